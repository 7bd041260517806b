"""Library pieces added for issue 13 with the noisy-gradients chapter: noise.critical_noise_scale (McCandlish et al.'s
B_noise) and noise.expected_averaged_loss (the exact expected loss of an EMA of the weights, from any start)."""

import numpy as np

from optim_core import GD, noise, run
from optim_core.problems import RAVINE, NoisyQuadratic


def test_critical_noise_scale_weighs_by_the_curvature_and_turns_with_the_problem():
    plain = NoisyQuadratic((0.2, 4.0), (1.0, 0.5), seed=0)
    w = np.array([[-4.5, 1.0], [0.3, -0.2]])
    g = plain.grad(w)
    expected = (0.2 * 1.0 + 4.0 * 0.25) / (0.2 * g[:, 0] ** 2 + 4.0 * g[:, 1] ** 2)
    np.testing.assert_allclose(noise.critical_noise_scale(plain, w), expected, rtol=1e-12)
    turned = NoisyQuadratic((0.2, 4.0), (1.0, 0.5), seed=0, angle=0.9)
    np.testing.assert_allclose(noise.critical_noise_scale(turned, w @ turned.basis.T), expected, rtol=1e-12)
    # with H a multiple of the identity it is the simple noise scale
    iso = NoisyQuadratic((2.0, 2.0), (1.0, 0.5), seed=0)
    np.testing.assert_allclose(noise.critical_noise_scale(iso, w), noise.noise_scale(iso, w), rtol=1e-12)


def test_expected_averaged_loss_is_expected_loss_without_averaging_and_tends_to_the_floor():
    problem = NoisyQuadratic((0.2, 4.0), seed=0, x0=RAVINE.x0)
    np.testing.assert_allclose(
        noise.expected_averaged_loss(problem, 0.2, 200, 0.0), noise.expected_loss(problem, 0.2, 200), rtol=1e-12
    )
    np.testing.assert_allclose(
        noise.expected_averaged_loss(problem, 0.2, 200, 0.0, beta=0.5),
        noise.expected_loss(problem, 0.2, 200, beta=0.5),
        rtol=1e-12,
    )
    late = noise.expected_averaged_loss(problem, np.array([0.1, 0.2]), 5000, 0.99)[-1]
    np.testing.assert_allclose(late, noise.loss_floor(problem, np.array([0.1, 0.2]), decay=0.99), rtol=1e-6)


def test_expected_averaged_loss_matches_seeded_runs_from_the_start():
    """256 seeds of SGD from the ravine's start, their EMA started at w_0: the mean f at a few steps against the exact
    value, within 4.5 standard errors of the seeds' spread; a lagless (decay 0) prediction is rejected at step 100."""
    seeds, decay, lr = 256, 0.99, 0.2
    problem = NoisyQuadratic((0.2, 4.0), seed=np.arange(seeds)[:, None], x0=RAVINE.x0)
    params = run(GD(lr), problem, steps=400).params
    u = np.empty_like(params)
    u[0] = params[0]
    for t in range(1, len(params)):
        u[t] = decay * u[t - 1] + (1 - decay) * params[t]
    f = problem.f(u)  # (steps + 1, seeds)
    exact = noise.expected_averaged_loss(NoisyQuadratic((0.2, 4.0), seed=0, x0=RAVINE.x0), lr, 400, decay)
    for t in (50, 100, 200, 400):
        se = f[t].std(ddof=1) / np.sqrt(seeds)
        assert abs(f[t].mean() - exact[t]) < 4.5 * se, t
    plain = noise.expected_loss(NoisyQuadratic((0.2, 4.0), seed=0, x0=RAVINE.x0), lr, 100)[-1]
    assert f[100].mean() > 5 * plain
