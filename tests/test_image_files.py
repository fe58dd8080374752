"""Uploaded files: odd but valid images are read, bad ones are refused with a message, before decoding."""

import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageDraw

from denoiser.image_files import ImageFileError, check_pixel_count, read_image_file
from denoiser.preprocess import drawing_to_digit


def png_claiming(width: int, height: int) -> bytes:
    """A valid greyscale PNG of width x height zeros: tiny on disk, huge once decoded (a 'bomb')."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = zlib.compress(b"\x00" * ((width + 1) * height), 9)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def seven(mode="RGB", size=(120, 120), background="white", ink="black"):
    image = Image.new(mode, size, background)
    ImageDraw.Draw(image).line([(40, 25), (85, 25), (55, 100)], fill=ink, width=9)
    return image


def test_decompression_bomb_is_refused_before_decoding(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_claiming(10_000, 10_000))
    assert path.stat().st_size < 200_000
    with pytest.raises(ImageFileError, match="megapixel limit"):
        read_image_file(path)


def test_large_but_not_bomb_sized_image_is_refused_by_its_declared_size(tmp_path):
    path = tmp_path / "wide.png"
    path.write_bytes(png_claiming(8_000, 4_000))
    with pytest.raises(ImageFileError, match="8000x4000 pixels"):
        read_image_file(path)


def test_text_file_is_not_an_image(tmp_path):
    path = tmp_path / "digit.png"
    path.write_text("hello")
    with pytest.raises(ImageFileError, match="not an image"):
        read_image_file(path)


def test_truncated_png_is_reported_as_damaged(tmp_path):
    path = tmp_path / "cut.png"
    seven().save(path)
    path.write_bytes(path.read_bytes()[:-60])
    with pytest.raises(ImageFileError, match="damaged or truncated"):
        read_image_file(path)


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(ImageFileError, match="empty"):
        read_image_file(path)


def test_oversized_file_is_refused_by_bytes(tmp_path):
    path = tmp_path / "big.png"
    path.write_bytes(b"\x00" * 2048)
    with pytest.raises(ImageFileError, match="limit"):
        read_image_file(path, max_bytes=1024)


def test_one_pixel_image_reads_and_is_blank(tmp_path):
    path = tmp_path / "dot.png"
    Image.new("L", (1, 1), 0).save(path)
    assert drawing_to_digit(read_image_file(path)) is None


@pytest.mark.parametrize("mode, suffix", [("I;16", "png"), ("P", "png"), ("CMYK", "jpg"), ("LA", "png"), ("RGBA", "webp")])
def test_unusual_modes_give_a_digit(tmp_path, mode, suffix):
    path = tmp_path / f"seven.{suffix}"
    image = seven()
    if mode == "I;16":
        image = Image.fromarray(np.asarray(image.convert("L"), dtype=np.uint16) * 257)
    else:
        image = image.convert(mode)
    image.save(path)
    digit = drawing_to_digit(read_image_file(path))
    assert digit is not None and digit.shape == (28, 28) and digit.max() > 0.9


def test_animated_gif_uses_its_first_frame(tmp_path):
    path = tmp_path / "anim.gif"
    first, second = seven(mode="L"), Image.new("L", (120, 120), 255)
    first.save(path, save_all=True, append_images=[second], duration=100, loop=0)
    digit = drawing_to_digit(read_image_file(path))
    assert digit is not None and digit.max() > 0.9


def test_a_phone_photo_is_turned_upright_by_its_exif_orientation(tmp_path):
    upright = seven(mode="RGB", size=(120, 160))
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # how a phone held sideways stores it
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display
    path = tmp_path / "phone.jpg"
    stored.save(path, exif=exif, quality=95)
    digit, expected = drawing_to_digit(read_image_file(path)), drawing_to_digit(upright)
    assert np.corrcoef(digit.ravel(), expected.ravel())[0, 1] > 0.95



def test_a_file_over_the_10_mb_the_message_names_is_refused(tmp_path):
    """The limit was 10 MiB (10,485,760 bytes) while the message says MB: a 10.4 MB file passed."""
    path = tmp_path / "big.png"
    path.write_bytes(b"\0" * 10_400_000)
    with pytest.raises(ImageFileError, match=r"the file is 10\.4 MB; the limit is 10 MB"):
        read_image_file(path)


def test_check_pixel_count_passes_a_normal_image_and_refuses_a_big_or_damaged_one(tmp_path):
    small, big = tmp_path / "small.png", tmp_path / "big.png"
    Image.new("L", (280, 280), 255).save(small)
    Image.new("1", (6000, 6000), 1).save(big)
    check_pixel_count(small)
    check_pixel_count(small.read_bytes())  # the sketchpad may hold the file's bytes instead of a path
    with pytest.raises(ImageFileError, match="6000x6000 pixels; the limit is 25 megapixels"):
        check_pixel_count(big.read_bytes())
    with pytest.raises(ImageFileError, match="damaged or truncated"):  # was PIL's raw OSError
        check_pixel_count(small.read_bytes()[:16])
