package dev.llmguard.core.token;

import java.util.Locale;

/**
 * The pixel size of an image, read from the header of a PNG, JPEG, GIF or WebP file without
 * decoding the image. Base64 data is decoded only where the header is read, so a large image costs
 * a few hundred bytes of work.
 *
 * @param width the width in pixels, positive
 * @param height the height in pixels, positive
 */
public record ImageSize(int width, int height) {

	/** Longest stretch of a JPEG read before giving up (EXIF thumbnails may precede the frame header). */
	private static final int MAX_JPEG_BYTES = 1 << 20;

	public ImageSize {
		if (width <= 0 || height <= 0) {
			throw new IllegalArgumentException("image size must be positive: " + width + " x " + height);
		}
	}

	/**
	 * Reads the size from the first bytes of an image file.
	 * @param image the file's bytes (the first few kilobytes suffice, except for JPEGs with large
	 * metadata), may be {@code null}
	 * @return the size, or {@code null} when the bytes are no PNG, JPEG, GIF or WebP header
	 */
	public static ImageSize of(byte[] image) {
		return (image != null) ? read(new ArrayBytes(image)) : null;
	}

	/**
	 * Reads the size from base64-encoded image data (the standard or the URL-safe alphabet).
	 * @param base64 the encoded file, may be {@code null}
	 * @return the size, or {@code null} when the data is no base64 of a known image header
	 */
	public static ImageSize ofBase64(String base64) {
		return (base64 != null) ? read(new Base64Bytes(base64, 0)) : null;
	}

	/**
	 * Reads the size from a {@code data:} URL with base64 content, as chat APIs accept images
	 * ({@code data:image/png;base64,iVBOR...}).
	 * @param url the URL, may be {@code null}
	 * @return the size, or {@code null} for any other URL (an {@code https:} one included) or an
	 * unknown image format
	 */
	public static ImageSize ofDataUrl(String url) {
		if (url == null || !url.regionMatches(true, 0, "data:", 0, 5)) {
			return null;
		}
		int comma = url.indexOf(',');
		if (comma < 0 || !url.substring(0, comma).toLowerCase(Locale.ROOT).endsWith(";base64")) {
			return null;
		}
		return read(new Base64Bytes(url, comma + 1));
	}

	private static ImageSize read(Bytes bytes) {
		try {
			if (bytes.at(0) == 0x89 && bytes.at(1) == 'P' && bytes.at(2) == 'N' && bytes.at(3) == 'G') {
				return png(bytes);
			}
			if (bytes.at(0) == 'G' && bytes.at(1) == 'I' && bytes.at(2) == 'F') {
				return size(bytes.le16(6), bytes.le16(8));
			}
			if (bytes.at(0) == 0xFF && bytes.at(1) == 0xD8) {
				return jpeg(bytes);
			}
			if (bytes.ascii(0, "RIFF") && bytes.ascii(8, "WEBP")) {
				return webp(bytes);
			}
			return null;
		}
		catch (IndexOutOfBoundsException | IllegalArgumentException ex) {
			return null; // truncated or malformed header
		}
	}

	private static ImageSize png(Bytes bytes) {
		// signature (8), chunk length (4), "IHDR", width, height: all big-endian
		return bytes.ascii(12, "IHDR") ? size(bytes.be32(16), bytes.be32(20)) : null;
	}

	private static ImageSize jpeg(Bytes bytes) {
		int offset = 2;
		while (offset < MAX_JPEG_BYTES) {
			if (bytes.at(offset) != 0xFF) {
				return null;
			}
			int marker = bytes.at(offset + 1);
			if (marker == 0xFF) {
				offset++; // fill byte
				continue;
			}
			if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
				offset += 2; // markers without a length
				continue;
			}
			if (marker == 0xD9 || marker == 0xDA) {
				return null; // end of image or start of scan before any frame header
			}
			// SOF0..SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC)
			if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
				return size(bytes.be16(offset + 7), bytes.be16(offset + 5));
			}
			offset += 2 + bytes.be16(offset + 2);
		}
		return null;
	}

	private static ImageSize webp(Bytes bytes) {
		if (bytes.ascii(12, "VP8X")) {
			// extended format: canvas width and height minus one, 24-bit little-endian
			return size(bytes.le24(24) + 1, bytes.le24(27) + 1);
		}
		if (bytes.ascii(12, "VP8L")) {
			// lossless: a signature byte, then 14 bits of width - 1 and 14 bits of height - 1
			if (bytes.at(20) != 0x2F) {
				return null;
			}
			long bits = bytes.at(21) | (bytes.at(22) << 8) | (bytes.at(23) << 16) | ((long) bytes.at(24) << 24);
			return size((int) (bits & 0x3FFF) + 1, (int) ((bits >> 14) & 0x3FFF) + 1);
		}
		if (bytes.ascii(12, "VP8 ")) {
			// lossy: frame tag (3), start code 9D 01 2A, then 14-bit width and height
			if (bytes.at(23) != 0x9D || bytes.at(24) != 0x01 || bytes.at(25) != 0x2A) {
				return null;
			}
			return size(bytes.le16(26) & 0x3FFF, bytes.le16(28) & 0x3FFF);
		}
		return null;
	}

	private static ImageSize size(long width, long height) {
		return (width > 0 && height > 0 && width <= Integer.MAX_VALUE && height <= Integer.MAX_VALUE)
				? new ImageSize((int) width, (int) height) : null;
	}

	/** Random access to the bytes of a file, decoded only where read. */
	private abstract static class Bytes {

		/** The unsigned byte at an index; throws {@link IndexOutOfBoundsException} past the end. */
		abstract int at(int index);

		boolean ascii(int index, String text) {
			for (int i = 0; i < text.length(); i++) {
				if (at(index + i) != text.charAt(i)) {
					return false;
				}
			}
			return true;
		}

		int be16(int index) {
			return (at(index) << 8) | at(index + 1);
		}

		long be32(int index) {
			return ((long) be16(index) << 16) | be16(index + 2);
		}

		int le16(int index) {
			return at(index) | (at(index + 1) << 8);
		}

		int le24(int index) {
			return le16(index) | (at(index + 2) << 16);
		}

	}

	private static final class ArrayBytes extends Bytes {

		private final byte[] bytes;

		ArrayBytes(byte[] bytes) {
			this.bytes = bytes;
		}

		@Override
		int at(int index) {
			return this.bytes[index] & 0xFF;
		}

	}

	/** Base64 text read four characters (three bytes) at a time, only where asked. */
	private static final class Base64Bytes extends Bytes {

		private final String text;

		private final int start;

		Base64Bytes(String text, int start) {
			this.text = text;
			this.start = start;
		}

		@Override
		int at(int index) {
			if (index < 0) {
				throw new IndexOutOfBoundsException(index);
			}
			int group = this.start + (index / 3) * 4;
			if (group + 4 > this.text.length()) {
				throw new IndexOutOfBoundsException(index);
			}
			int bits = (sextet(group) << 18) | (sextet(group + 1) << 12) | (sextet(group + 2) << 6)
					| sextet(group + 3);
			return (bits >> (16 - 8 * (index % 3))) & 0xFF;
		}

		private int sextet(int position) {
			char c = this.text.charAt(position);
			if (c >= 'A' && c <= 'Z') {
				return c - 'A';
			}
			if (c >= 'a' && c <= 'z') {
				return c - 'a' + 26;
			}
			if (c >= '0' && c <= '9') {
				return c - '0' + 52;
			}
			if (c == '+' || c == '-') {
				return 62;
			}
			if (c == '/' || c == '_') {
				return 63;
			}
			if (c == '=') {
				return 0; // padding: the bytes it stands for are never part of a header we read
			}
			throw new IllegalArgumentException("not base64");
		}

	}

}
