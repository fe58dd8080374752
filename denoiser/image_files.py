"""Read an uploaded image file safely: size checked before decoding, clear messages for bad files."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 25_000_000  # 5000 x 5000: far more than a digit needs, far less than a decompression bomb
DAMAGED = (OSError, SyntaxError, ValueError, EOFError)  # what PIL raises for a file it cannot read or decode
MAX_FILE_BYTES = 10_000_000  # 10 MB, as the messages say (Gradio refuses bigger uploads by it too)


class ImageFileError(ValueError):
    """A file that is not a usable image; the message says what to do."""


def read_image_file(path: str | Path, max_pixels: int = MAX_PIXELS, max_bytes: int = MAX_FILE_BYTES) -> Image.Image:
    """Open `path` as an image (first frame if animated, turned upright by its EXIF orientation), refusing
    what is too big before decoding it.

    Raises ImageFileError for a missing, empty, oversized, truncated, non-image or bomb file.
    """
    path = Path(path)
    if not path.is_file():
        raise ImageFileError(f"no file at {path.name}: upload a PNG or JPEG of a digit")
    size = path.stat().st_size
    if size == 0:
        raise ImageFileError("the file is empty: upload a PNG or JPEG of a digit")
    if size > max_bytes:
        raise ImageFileError(f"the file is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB: upload a smaller image")
    try:
        with _opened_within(path, max_pixels) as image:  # the file is closed on leaving
            image.seek(0)  # animated GIF/PNG/WebP: the first frame
            image.load()  # decodes now, inside the try, so truncated data is caught here
            upright = ImageOps.exif_transpose(image)  # a phone photo as it was held (a copy, even if upright)
    except ImageFileError:
        raise
    except DAMAGED as error:
        raise _damaged(error) from None
    return upright


def _damaged(error: Exception) -> ImageFileError:
    """What to tell someone whose file PIL could not read or decode."""
    return ImageFileError(f"the image is damaged or truncated ({error}): upload it again or try another file")


def check_pixel_count(source: str | Path | bytes, max_pixels: int = MAX_PIXELS) -> None:
    """Raise ImageFileError if the image in `source` (a path, or the file's bytes) is unreadable or declares
    more than `max_pixels`; only its header is read.

    For images that something else decodes in full, such as Gradio's sketchpad: check first.
    """
    with _opened_within(io.BytesIO(source) if isinstance(source, bytes) else source, max_pixels):
        pass


def _opened_within(source: str | Path | io.BytesIO, max_pixels: int) -> Image.Image:
    """`source` opened lazily (header read, pixels not; the caller closes it), or ImageFileError if it is
    not an image, its header is damaged, or it is too big."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(source)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageFileError(
            f"the image declares far more pixels than the {max_pixels // 1_000_000} megapixel limit "
            "(a decompression bomb?): upload a normal-sized photo or drawing"
        ) from None
    except UnidentifiedImageError:
        raise ImageFileError("this file is not an image we can read: upload a PNG or JPEG of a digit") from None
    except DAMAGED as error:  # a header cut short, an impossible bit depth
        raise _damaged(error) from None
    width, height = image.size
    if width * height > max_pixels:
        image.close()
        raise ImageFileError(
            f"the image is {width}x{height} pixels; the limit is {max_pixels // 1_000_000} megapixels: "
            "resize it (a digit needs only a few hundred pixels across)"
        )
    return image
