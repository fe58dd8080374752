"""Ways to damage a digit, each driven by one `factor` in [0, 1] (the demo's slider).

Every kind draws its randomness from one standard-normal or uniform sample the same shape as the
image. Keeping that sample fixed and moving `factor` changes the *level* of the damage, not its
pattern, which is what makes the live slider fade smoothly (see `sample_noise_field`).
"""

from __future__ import annotations

import numbers

import torch

from .checks import check_float, check_unit_range, plain_number

NOISE_KINDS = ("gaussian", "salt_pepper", "speckle", "poisson", "dropout")


def check_factor(factor: float) -> float:
    """Return `factor` as a float, or raise ValueError saying it must be a number in [0, 1].

    Text ("0.5") and True are refused, though float() would take them: each is a mistake upstream.
    """
    factor = plain_number(factor)
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real):
        raise ValueError(f"noise factor must be a number in [0, 1], got {factor!r}")
    try:
        value = float(factor)
    except OverflowError:  # a number past float's range (10**400) is out of range like any other
        raise ValueError("noise factor must be in [0, 1], got a number too large for a float") from None
    if not 0.0 <= value <= 1.0:  # also rejects NaN
        raise ValueError(f"noise factor must be in [0, 1], got {value}")
    return value


def check_kind(kind: str) -> str:
    """Return `kind`, or raise ValueError listing the kinds there are."""
    if kind not in NOISE_KINDS:
        raise ValueError(f"unknown noise kind {kind!r}; choose one of {', '.join(NOISE_KINDS)}")
    return kind


def sample_noise_field(
    shape: torch.Size | tuple[int, ...], kind: str = "gaussian", generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Draw the random field that `apply_noise` turns into damage for `kind`.

    Gaussian and speckle use N(0, 1); salt-and-pepper, dropout and Poisson use U(0, 1) (Poisson
    by inverse-CDF, so one uniform per pixel covers every level).
    """
    check_kind(kind)
    if kind in ("gaussian", "speckle"):
        return torch.randn(shape, generator=generator, device=device)
    return torch.rand(shape, generator=generator, device=device)


EXACT_POISSON_MAX_RATE = 100.0
POISSON_CHUNK = 65_536  # pixels per inverse-CDF table: about 50 MB each at the largest rate


def _poisson_counts(rate: torch.Tensor, uniform: torch.Tensor) -> torch.Tensor:
    """Poisson counts as a monotone function of a uniform field, so one field serves every level.

    Where the rate is at most `EXACT_POISSON_MAX_RATE` the count is the exact inverse CDF (the
    smallest k with CDF(k; rate) >= u); above it, where a table of every k would not fit, the
    normal approximation round(rate + sqrt(rate) * z), z = Phi^-1(u), which is within about a
    count of the exact quantile there.
    """
    z = torch.erfinv(2 * uniform.clamp(1e-7, 1 - 1e-7) - 1) * 2**0.5  # standard normal quantile
    counts = (rate + rate.sqrt() * z).round().clamp_min(0.0)
    exact = (rate > 0) & (rate <= EXACT_POISSON_MAX_RATE)  # a zero rate always counts 0
    if exact.any():
        lams, us = rate[exact], uniform[exact]  # (P,)
        top = lams.max().item()  # (item, not float(): no warning for images that require grad)
        max_count = int(top + 8 * top**0.5 + 12)  # beyond it the tail mass is below 1e-9
        ks = torch.arange(max_count + 1, dtype=rate.dtype, device=rate.device)  # (K,)
        log_factorials = torch.lgamma(ks + 1)
        exact_counts = torch.empty_like(lams)
        for start in range(0, len(lams), POISSON_CHUNK):  # (chunk, K) tables: bounded memory on whole test sets
            lam = lams[start : start + POISSON_CHUNK].unsqueeze(-1)  # (C, 1) against (K,)
            u = us[start : start + POISSON_CHUNK].unsqueeze(-1)
            log_pmf = ks * torch.log(lam.clamp_min(1e-12)) - lam - log_factorials
            cdf = torch.cumsum(log_pmf.exp(), dim=-1)  # (C, K)
            exact_counts[start : start + POISSON_CHUNK] = (cdf < u).sum(dim=-1).to(rate.dtype)
        counts[exact] = exact_counts
    return counts


def apply_noise(
    images: torch.Tensor, factor: float | torch.Tensor, field: torch.Tensor, kind: str = "gaussian"
) -> torch.Tensor:
    """Damage `images` (values in [0, 1]) at level `factor` with a pre-drawn `field`.

    `factor` is a number in [0, 1], or a tensor of them that broadcasts against `images` (one
    level per image in training: shape `(N, 1, 1, 1)`).

    | kind        | definition                                                        |
    | gaussian    | clip(x + factor * N(0, 1), 0, 1)   (the article's)                |
    | salt_pepper | each pixel: p = factor/2 set to 0, p = factor/2 set to 1          |
    | speckle     | clip(x + factor * x * N(0, 1), 0, 1)                              |
    | poisson     | clip(Poisson(x * s) / s, 0, 1), s = 1 / max(factor, 0.001) ** 2   |
    | dropout     | each pixel set to 0 with probability factor                       |
    """
    check_kind(kind)
    check_float(images)
    if field.shape != images.shape:
        raise ValueError(f"the noise field's shape {tuple(field.shape)} differs from the images' {tuple(images.shape)}")
    if isinstance(factor, torch.Tensor):
        per_image = factor.dim() == images.dim() and set(factor.shape[1:]) <= {1} and factor.shape[0] in (1, len(images))
        if factor.numel() != 1 and not per_image:  # an (N,) tensor would stretch along the pixel columns
            raise ValueError(f"a tensor of noise factors needs one per image, shape ({len(images)}, 1, 1, 1) "
                             f"(factors.view(-1, 1, 1, 1)), or a single value; got shape {tuple(factor.shape)}")
        if not bool(((factor >= 0) & (factor <= 1)).all()):
            low, high = factor.min().item(), factor.max().item()
            raise ValueError(f"noise factors must all be in [0, 1], got values from {low} to {high}")
    else:
        factor = check_factor(factor)
    if kind == "gaussian":
        noisy = (images + factor * field).clamp(0.0, 1.0)
    elif kind == "speckle":
        noisy = (images + factor * images * field).clamp(0.0, 1.0)
    elif kind == "salt_pepper":
        pepper = field < factor / 2  # from both ends of [0, 1), so the pixels hit at a lower level
        salt = field >= 1 - factor / 2  # stay hit, with the same value, at every higher level
        noisy = torch.where(pepper, 0.0, torch.where(salt, 1.0, images))
    elif kind == "dropout":
        noisy = torch.where(field < factor, 0.0, images)
    else:
        floor = torch.clamp_min(factor, 0.001) if isinstance(factor, torch.Tensor) else max(factor, 0.001)
        scale = 1.0 / floor**2
        counts = _poisson_counts((images * scale).float(), field.float())  # float32 even for half-precision images
        noisy = (counts / scale).clamp(0.0, 1.0)
    return noisy.to(images.dtype)  # a float32 field or a float64 factor tensor must not change it


def add_noise(
    images: torch.Tensor, factor: float, kind: str = "gaussian", generator: torch.Generator | None = None
) -> torch.Tensor:
    """Return a noisy copy of `images` (values in [0, 1]) at level `factor` in [0, 1], same dtype and device.

    For `kind="gaussian"` this is exactly the article's `clip(x + factor * N(0, 1), 0, 1)`.
    Pass a seeded `torch.Generator` for reproducible noise. The noise is drawn on the generator's
    device and then moved to the images', so a CPU generator gives the same noise on any device.
    """
    check_unit_range(images)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, e.g. torch.Generator().manual_seed(0), "
                        f"got {type(generator).__name__}")
    draw_on = generator.device if generator is not None else images.device
    field = sample_noise_field(images.shape, kind, generator, device=draw_on).to(images.device)
    return apply_noise(images, factor, field, kind)
