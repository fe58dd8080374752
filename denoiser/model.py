"""The two denoisers: the article's Keras autoencoder (`seed`) and our U-Net (`default`).

Both take and return `(N, 1, 28, 28)` tensors in [0, 1] (light strokes on black). Both inherit
huggingface_hub's `PyTorchModelHubMixin`, so their `__init__` arguments travel as `config.json`
beside `model.safetensors`, and `save_pretrained` / `from_pretrained` / `push_to_hub` just work.
"""

from __future__ import annotations

import torch
from huggingface_hub import PyTorchModelHubMixin
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from .checks import check_digit_batch, check_unit_range

HUB_CARD = """---
{{ card_data }}
---

# A denoiser for MNIST-style digits

A convolutional denoising autoencoder from the "Denoising autoencoder, live" demo. It takes a float
tensor of noisy digits `(N, 1, 28, 28)` in [0, 1] (light strokes on black) and returns the denoised
digits, same shape, in [0, 1]. Load it with the class named in `config.json` (`architecture`):

```python
from denoiser import SeedAutoencoder, UNetDenoiser  # the demo's `denoiser` package
model = UNetDenoiser.from_pretrained(repo_id)       # this repository; or SeedAutoencoder, as config.json says
```

Saved with huggingface_hub's PyTorchModelHubMixin; the demo's own model cards give the training
recipe and the measured PSNR.
"""


class DigitDenoiser(nn.Module, PyTorchModelHubMixin, model_card_template=HUB_CARD, license="mit",
                    pipeline_tag="image-to-image", tags=["denoising", "autoencoder", "mnist"]):
    """What both networks share: input checks, a sigmoid over `logits`, and a self-describing hub config.

    The hub config (`config.json`) holds the `__init__` arguments and the class name. Without the name,
    the seed network, which takes no arguments, would save no `config.json` at all, and `from_pretrained`
    would adopt whatever config it was loaded from (the shipped checksum and training record included)
    and write it out again beside different weights.
    """

    def __init__(self) -> None:
        super().__init__()
        self._hub_mixin_config = {**(self._hub_mixin_config or {}), "architecture": type(self).__name__}

    @classmethod
    def _from_pretrained(cls, *, config: dict | None = None, strict: bool = True, **hub_arguments):
        """The mixin's loader, but refusing a folder saved from the other network, and weights that do not fit.

        The mixin loads with `strict=False`, so `SeedAutoencoder.from_pretrained("weights/default")`
        quietly returned a network with untrained weights. (Pass `strict=False` to load loosely anyway.)
        """
        architecture = (config or {}).get("architecture")
        if architecture not in (None, cls.__name__):
            raise ValueError(f"{hub_arguments['model_id']} holds a {architecture}, not a {cls.__name__}: "
                             f"load it with {architecture}.from_pretrained")
        return super()._from_pretrained(strict=strict, **hub_arguments)

    def checked(self, noisy: torch.Tensor) -> torch.Tensor:
        """`noisy` if it is a `(N, 1, 28, 28)` batch of this network's float dtype, else a clear error."""
        return check_digit_batch(noisy, next(self.parameters()).dtype)

    def forward(self, noisy: torch.Tensor) -> torch.Tensor:
        """Denoised digits `(N, 1, 28, 28)` in [0, 1] from noisy ones in [0, 1]; `logits` is the network itself.

        The [0, 1] check is here and in `feature_maps`, not in `logits`: training calls that on every
        batch, and reading the range back would stall a GPU at each step.
        """
        return torch.sigmoid(self.logits(check_unit_range(noisy, "noisy digits")))


@torch.no_grad()
def denoise_all(model: nn.Module, noisy: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Run `model` over `(N, 1, 28, 28)` in batches of bounded memory on its own device; result on the CPU, in [0, 1]."""
    device = next(model.parameters()).device
    return torch.cat([model(batch.to(device)).cpu() for batch in noisy.split(batch_size)]).clamp(0, 1)


def _keras_init(module: nn.Module) -> None:
    """Glorot-uniform weights and zero biases: what Keras layers start from."""
    if isinstance(module, nn.Conv2d):
        nn.init.xavier_uniform_(module.weight)
        nn.init.zeros_(module.bias)


class SeedAutoencoder(DigitDenoiser):
    """Layer-for-layer port of the tutorial's Keras convolutional denoising autoencoder.

    Encoder 28 -> 14 -> 7 -> 4, decoder 4 -> 8 -> 16 -> 14 -> 28; 4,385 parameters.
    `ceil_mode=True` reproduces Keras `MaxPooling2D(padding='same')`, which pads the bottom/right
    edge, so 7x7 pools to 4x4; the decoder's third conv is `valid` (no padding), 16 -> 14.
    """

    def __init__(self) -> None:
        super().__init__()
        relu = nn.ReLU
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), relu(), nn.MaxPool2d(2, ceil_mode=True),  # 28 -> 14
            nn.Conv2d(16, 8, 3, padding=1), relu(), nn.MaxPool2d(2, ceil_mode=True),  # 14 -> 7
            nn.Conv2d(8, 8, 3, padding=1), relu(), nn.MaxPool2d(2, ceil_mode=True),  # 7 -> 4
        )
        self.decoder = nn.Sequential(
            nn.Conv2d(8, 8, 3, padding=1), relu(), nn.Upsample(scale_factor=2),  # 4 -> 8
            nn.Conv2d(8, 8, 3, padding=1), relu(), nn.Upsample(scale_factor=2),  # 8 -> 16
            nn.Conv2d(8, 16, 3), relu(), nn.Upsample(scale_factor=2),  # 16 -> 14 (valid) -> 28
            nn.Conv2d(16, 1, 3, padding=1),
        )
        self.apply(_keras_init)

    def logits(self, noisy: torch.Tensor) -> torch.Tensor:
        """Pre-sigmoid output, `(N, 1, 28, 28)`; training uses it for a stable BCE."""
        return self.decoder(self.encoder(self.checked(noisy)))

    def feature_maps(self, noisy: torch.Tensor) -> dict[str, torch.Tensor]:
        """Encoder activations after each conv+ReLU and pool, for looking inside: name -> `(N, C, H, W)`."""
        maps, x = {}, self.checked(check_unit_range(noisy, "noisy digits"))
        names = ["conv 1 (16 @ 28x28)", None, "pool 1 (14x14)", "conv 2 (8 @ 14x14)", None, "pool 2 (7x7)",
                 "conv 3 (8 @ 7x7)", None, "bottleneck (8 @ 4x4)"]
        for name, layer in zip(names, self.encoder, strict=True):
            x = layer(x)
            if name is not None:
                maps[name] = x
        return maps


def _conv_block(in_channels: int, out_channels: int, batch_norm: bool = True) -> nn.Sequential:
    """Two 3x3 'same' convolutions, each followed by batch norm (or nothing) and ReLU: one U-Net stage.

    Batch norm trains much faster here (see the default model card); in eval mode it is a fixed
    per-channel affine map that `fuse_for_inference` folds into the conv.
    """
    norm = (lambda: nn.BatchNorm2d(out_channels)) if batch_norm else nn.Identity
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=not batch_norm), norm(), nn.ReLU(inplace=True),
        nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=not batch_norm), norm(), nn.ReLU(inplace=True),
    )


class UNetDenoiser(DigitDenoiser):
    """A three-level U-Net (28 -> 14 -> 7 and back) for blind denoising at any level and kind.

    Skip connections carry stroke detail past the bottleneck, so at low noise the network can pass
    its input through almost unchanged instead of redrawing the digit (where the seed model loses).
    """

    def __init__(self, width: int = 32, batch_norm: bool = True) -> None:
        super().__init__()
        w, bn = width, batch_norm
        self.enc1 = _conv_block(1, w, bn)  # (N, w, 28, 28)
        self.enc2 = _conv_block(w, 2 * w, bn)  # (N, 2w, 14, 14)
        self.bottleneck = _conv_block(2 * w, 4 * w, bn)  # (N, 4w, 7, 7)
        self.up2 = nn.ConvTranspose2d(4 * w, 2 * w, 2, stride=2)  # 7 -> 14
        self.dec2 = _conv_block(4 * w, 2 * w, bn)
        self.up1 = nn.ConvTranspose2d(2 * w, w, 2, stride=2)  # 14 -> 28
        self.dec1 = _conv_block(2 * w, w, bn)
        self.head = nn.Conv2d(w, 1, 1)
        self.pool = nn.MaxPool2d(2)

    def _encode(self, noisy: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Encoder stages: `(N, w, 28, 28)`, `(N, 2w, 14, 14)` and the bottleneck `(N, 4w, 7, 7)`."""
        e1 = self.enc1(self.checked(noisy))
        e2 = self.enc2(self.pool(e1))
        return e1, e2, self.bottleneck(self.pool(e2))

    def logits(self, noisy: torch.Tensor) -> torch.Tensor:
        """Pre-sigmoid output, `(N, 1, 28, 28)`."""
        e1, e2, b = self._encode(noisy)
        d2 = self.dec2(torch.cat([self.up2(b), e2], dim=1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], dim=1))
        return self.head(d1)

    def feature_maps(self, noisy: torch.Tensor) -> dict[str, torch.Tensor]:
        """Encoder activations stage by stage, for looking inside: name -> `(N, C, H, W)`."""
        w = self.enc1[0].out_channels
        e1, e2, b = self._encode(check_unit_range(noisy, "noisy digits"))
        return {f"stage 1 ({w} @ 28x28)": e1, f"stage 2 ({2 * w} @ 14x14)": e2, f"bottleneck ({4 * w} @ 7x7)": b}

    @torch.no_grad()
    def fuse_for_inference(self) -> UNetDenoiser:
        """Fold each eval-mode batch norm into the conv before it (same outputs, fewer ops), in place.

        The result is exactly a `batch_norm=False` network, and its hub config says so from here on,
        so `save_pretrained` / `push_to_hub` on a folded model write weights that reload as it.
        """
        self.eval()
        for block in (self.enc1, self.enc2, self.bottleneck, self.dec2, self.dec1):
            for index in (0, 3):  # conv, bn, relu, conv, bn, relu
                if isinstance(block[index + 1], nn.BatchNorm2d):
                    block[index] = fuse_conv_bn_eval(block[index], block[index + 1])
                    block[index + 1] = nn.Identity()
        self._hub_mixin_config = {**self._hub_mixin_config, "batch_norm": False}
        return self


ARCHITECTURES: dict[str, type[nn.Module]] = {cls.__name__: cls for cls in (SeedAutoencoder, UNetDenoiser)}
MODEL_CLASSES: dict[str, type[nn.Module]] = {"seed": SeedAutoencoder, "default": UNetDenoiser}
