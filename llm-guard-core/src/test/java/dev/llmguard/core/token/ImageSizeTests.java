package dev.llmguard.core.token;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ImageSizeTests {

	@Test
	void readsPngGifAndJpegHeadersWrittenByImageIo() throws IOException {
		assertThat(ImageSize.of(image("png", 640, 480))).isEqualTo(new ImageSize(640, 480));
		assertThat(ImageSize.of(image("gif", 31, 17))).isEqualTo(new ImageSize(31, 17));
		assertThat(ImageSize.of(image("jpg", 1500, 900))).isEqualTo(new ImageSize(1500, 900));
	}

	@Test
	void skipsJpegMetadataOfAnyLengthBeforeTheFrameHeader() throws IOException {
		byte[] jpeg = image("jpg", 300, 200);
		// an APP1 segment (where EXIF and its thumbnail live) of 60,000 bytes right after SOI
		byte[] app1 = new byte[4 + 60_000 - 2];
		app1[0] = (byte) 0xFF;
		app1[1] = (byte) 0xE1;
		app1[2] = (byte) ((60_000 >> 8) & 0xFF);
		app1[3] = (byte) (60_000 & 0xFF);
		byte[] withExif = new byte[jpeg.length + app1.length];
		System.arraycopy(jpeg, 0, withExif, 0, 2);
		System.arraycopy(app1, 0, withExif, 2, app1.length);
		System.arraycopy(jpeg, 2, withExif, 2 + app1.length, jpeg.length - 2);

		assertThat(ImageSize.of(withExif)).isEqualTo(new ImageSize(300, 200));
		assertThat(ImageSize.ofBase64(Base64.getEncoder().encodeToString(withExif))).isEqualTo(new ImageSize(300, 200));
	}

	@Test
	void readsTheThreeKindsOfWebpHeader() {
		byte[] lossy = webp("VP8 ", 30);
		lossy[23] = (byte) 0x9D;
		lossy[24] = 0x01;
		lossy[25] = 0x2A;
		lossy[26] = (byte) (1000 & 0xFF);
		lossy[27] = (byte) (1000 >> 8);
		lossy[28] = (byte) (750 & 0xFF);
		lossy[29] = (byte) (750 >> 8);
		assertThat(ImageSize.of(lossy)).isEqualTo(new ImageSize(1000, 750));

		byte[] lossless = webp("VP8L", 25);
		long bits = (400 - 1) | ((long) (300 - 1) << 14);
		lossless[20] = 0x2F;
		for (int i = 0; i < 4; i++) {
			lossless[21 + i] = (byte) (bits >> (8 * i));
		}
		assertThat(ImageSize.of(lossless)).isEqualTo(new ImageSize(400, 300));

		byte[] extended = webp("VP8X", 30);
		int width = 5000 - 1;
		int height = 70 - 1;
		for (int i = 0; i < 3; i++) {
			extended[24 + i] = (byte) (width >> (8 * i));
			extended[27 + i] = (byte) (height >> (8 * i));
		}
		assertThat(ImageSize.of(extended)).isEqualTo(new ImageSize(5000, 70));
	}

	@Test
	void readsDataUrlsInBothBase64Alphabets() throws IOException {
		byte[] png = image("png", 1, 1);
		String standard = Base64.getEncoder().encodeToString(png);
		String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(png);

		assertThat(ImageSize.ofDataUrl("data:image/png;base64," + standard)).isEqualTo(new ImageSize(1, 1));
		assertThat(ImageSize.ofDataUrl("DATA:image/png;BASE64," + urlSafe)).isEqualTo(new ImageSize(1, 1));
		assertThat(ImageSize.ofBase64(standard)).isEqualTo(new ImageSize(1, 1));
	}

	@Test
	void anythingElseReadsAsUnknown() throws IOException {
		String png = Base64.getEncoder().encodeToString(image("png", 64, 64));

		assertThat(ImageSize.ofDataUrl("https://example.com/cat.png")).isNull();
		assertThat(ImageSize.ofDataUrl("data:image/png," + png)).as("not base64").isNull();
		assertThat(ImageSize.ofDataUrl("data:image/png;base64," + png.substring(0, 12))).as("truncated").isNull();
		assertThat(ImageSize.ofDataUrl("data:image/png;base64,!!!!" + png)).as("not base64").isNull();
		assertThat(ImageSize.ofBase64("aGVsbG8gd29ybGQ=")).as("text, no image").isNull();
		assertThat(ImageSize.of(Arrays.copyOf(image("jpg", 10, 10), 40))).as("truncated jpeg").isNull();
		assertThat(ImageSize.of(new byte[0])).isNull();
		assertThat(ImageSize.of(null)).isNull();
		assertThat(ImageSize.ofDataUrl(null)).isNull();
	}

	private static byte[] image(String format, int width, int height) throws IOException {
		BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		assertThat(ImageIO.write(image, format, out)).isTrue();
		return out.toByteArray();
	}

	private static byte[] webp(String chunk, int length) {
		byte[] bytes = new byte[length];
		System.arraycopy("RIFF".getBytes(), 0, bytes, 0, 4);
		System.arraycopy("WEBP".getBytes(), 0, bytes, 8, 4);
		System.arraycopy(chunk.getBytes(), 0, bytes, 12, 4);
		return bytes;
	}

}
