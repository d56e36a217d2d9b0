r"""Polynomial-activation networks.

Numeric side, the exact SDP of Bartan & Pilanci for :math:`\sigma(t) = at^2 + bt + c`::

    sdp_fit(X, y, beta, coeffs=(a, b, c), solver="clarabel", tol=1e-7) -> SDPSolution
        .objective, .network (PolynomialNetwork: .first_layer, .output, .predict,
        .objective(X, y, beta)), .certificate (DualCertificate: .lower_bound, .gap)
    train_polynomial(X, y, beta, width, coeffs, restarts=20, seed=0) -> PolynomialTrainResult

Symbolic side, the Gaussian teacher-student landscape of the quadratic student::

    expectation(expr, variables, moment=gaussian_moment)   # moment substitution
    quadratic_pairing(A, B) == gaussian_metric(A, B) == 2 tr(AB) + tr A tr B
    rank_one_pairing(a, b, degree), wedge_pairing(degree)  # in DOT = a.b, WEDGE = |a^b|
    gaussian_critical_points(T, width) -> [CriticalPoint]  (.matrix, .loss, .index, .kind)
    critical_points(T, width, metric="gaussian" | "frobenius")
    student_loss / student_gradient / student_hessian      # numeric confirmation
    student_polynomial(T, width), inertia(H)               # exact confirmation
"""

from clifflasso.polynomial.gaussian import (
    DOT,
    METRICS,
    WEDGE,
    CriticalPoint,
    StudentPolynomial,
    critical_points,
    expectation,
    gaussian_critical_points,
    gaussian_metric,
    gaussian_moment,
    inertia,
    quadratic_pairing,
    rank_one_pairing,
    student_gradient,
    student_hessian,
    student_loss,
    student_polynomial,
    wedge_pairing,
)
from clifflasso.polynomial.sdp import (
    RELU_SURROGATE,
    DualCertificate,
    PolynomialNetwork,
    SDPSolution,
    dual_certificate,
    extract_network,
    null_decomposition,
    sdp_fit,
)
from clifflasso.polynomial.training import PolynomialTrainResult, train_polynomial

__all__ = [
    "DOT",
    "METRICS",
    "RELU_SURROGATE",
    "WEDGE",
    "CriticalPoint",
    "DualCertificate",
    "PolynomialNetwork",
    "PolynomialTrainResult",
    "SDPSolution",
    "StudentPolynomial",
    "critical_points",
    "dual_certificate",
    "expectation",
    "extract_network",
    "gaussian_critical_points",
    "gaussian_metric",
    "gaussian_moment",
    "inertia",
    "null_decomposition",
    "quadratic_pairing",
    "rank_one_pairing",
    "sdp_fit",
    "student_gradient",
    "student_hessian",
    "student_loss",
    "student_polynomial",
    "train_polynomial",
    "wedge_pairing",
]
