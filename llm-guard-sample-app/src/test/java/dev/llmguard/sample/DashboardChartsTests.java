package dev.llmguard.sample;

import java.awt.image.BufferedImage;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.web.client.RestClient;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard's charts, drawn by the page as SVG from the application's own data, checked in headless
 * Chromium twice: in the DOM (a bar per minute and outcome with the counts of {@code /dashboard/history},
 * the spend line, the forecast line and the cap line of the global budget, the empty shadow panel) and in
 * a screenshot, where each of them must be painted in its own colour at the point the page says it drew
 * it, and nothing where a minute had no calls. The screenshot is kept in {@code target/dashboard-charts.png}.
 * Without a Chromium the test is skipped, or fails on CI ({@link Chromium}).
 */
class DashboardChartsTests extends ShippedConfigurationTestBase {

	private static final String WINDOW = "--window-size=1280,1600";

	// the colours the page promises for each thing drawn
	private static final int SUCCESS = 0x16a34a;

	private static final int BUDGET_EXCEEDED = 0xe11d48;

	private static final int SPEND = 0x2563eb;

	private static final int FORECAST = 0xca8a04;

	private static final int CAP = 0xdc2626;

	private static final int WHITE = 0xffffff;

	private static final Pattern TAG = Pattern.compile("<(svg|rect|line|polyline)\\s([^>]*)>");

	private static final Pattern ATTRIBUTE = Pattern.compile("([\\w:-]+)=\"([^\"]*)\"");

	@LocalServerPort
	private int port;

	@Test
	void chartsDrawCallsPerMinuteByOutcomeAndTheGlobalBudgetsSpendForecastAndCap() throws Exception {
		Path chromium = Chromium.require();
		Instant firstMinute = this.clock.instant();
		for (int i = 0; i < 3; i++) {
			assertThat(this.api.post("/api/chat",
					"{\"prompt\": \"Which stove for winter?\", \"tenant\": \"charts-" + i + "\"}").status())
				.isEqualTo(200);
		}
		// past the five-minute slot of the day's spend chart; a forecast wants a minute or more of spend
		this.clock.advance(Duration.ofMinutes(5));
		Instant secondMinute = this.clock.instant();
		this.simulator.reset(); // the batch report is checked against what the simulator answered
		String document = "The trail crosses the ridge before the hut. ".repeat(280);
		SampleApi.Response batch = this.api.post("/api/batch/summarize",
				SampleApi.json(Map.of("session", "s-charts", "documents", Collections.nCopies(10, document))));
		int skipped = assertBatchReport(batch, 10, "budget_exceeded");
		int completed = 10 - skipped;

		RestClient http = RestClient.create("http://localhost:" + this.port);
		JsonNode history = JsonMapper.builder().build().readTree(http.get().uri("/dashboard/history").retrieve().body(String.class));
		JsonNode state = JsonMapper.builder().build().readTree(http.get().uri("/actuator/llmguard").retrieve().body(String.class));
		JsonNode calls = history.get("calls");
		Instant from = Instant.parse(calls.get("from").asString());
		int first = (int) Duration.between(from, firstMinute).toMinutes();
		int second = (int) Duration.between(from, secondMinute).toMinutes();
		assertThat(calls.get("outcomes").get("success").get(first).asInt()).isEqualTo(3);
		assertThat(calls.get("outcomes").get("success").get(second).asInt()).isEqualTo(completed);
		assertThat(calls.get("outcomes").get("budget_exceeded").get(second).asInt()).isEqualTo(skipped);
		JsonNode daily = state.get("budgets").get("daily-spend");
		assertThat(daily.get("forecast").isObject()).as("daily-spend has a forecast: %s", daily).isTrue();
		assertThat(history.get("budgets").get("daily-spend").get("points").size()).isGreaterThanOrEqualTo(2);

		String url = "http://localhost:" + this.port + "/dashboard";
		String dom = Chromium.run(chromium, WINDOW, "--force-device-scale-factor=1", "--dump-dom", url);
		Path screenshot = Path.of("target", "dashboard-charts.png").toAbsolutePath();
		Files.deleteIfExists(screenshot);
		Chromium.run(chromium, WINDOW, "--force-device-scale-factor=1", "--screenshot=" + screenshot, url);

		assertThat(dom).contains("data-loaded=\"true\"", "<span id=\"error\"></span>");
		List<Map<String, String>> tags = tags(dom);

		// a bar for each minute and outcome that had calls, with its count, and none for the others
		for (String outcome : List.of("success", "budget_exceeded")) {
			JsonNode counts = calls.get("outcomes").get(outcome);
			Map<String, Integer> expected = new LinkedHashMap<>();
			for (int minute = 0; minute < counts.size(); minute++) {
				if (counts.get(minute).asInt() > 0) {
					expected.put(from.plus(Duration.ofMinutes(minute)).toString(), counts.get(minute).asInt());
				}
			}
			Map<String, Integer> drawn = new LinkedHashMap<>();
			with(tags, "data-outcome", outcome)
				.forEach((bar) -> drawn.put(bar.get("data-minute").replace(".000Z", "Z"), Integer.parseInt(bar.get("data-count"))));
			assertThat(drawn).as("%s bars", outcome).isEqualTo(expected);
		}
		Map<String, String> cap = only(with(tags, "data-part", "cap"));
		assertThat(new BigDecimal(cap.get("data-value"))).isEqualByComparingTo("5.00");
		Map<String, String> spend = only(with(tags, "data-part", "spend"));
		assertThat(Integer.parseInt(spend.get("data-points"))).isGreaterThanOrEqualTo(3);
		Map<String, String> forecast = only(with(tags, "data-part", "forecast"));
		assertThat(forecast.get("data-projected")).isNotBlank();
		// shadow mode is off: the panel says so rather than staying empty
		assertThat(dom).contains("data-shadowed=\"0\"", "data-shadow-none=\"true\"", "data-shadow-scopes=\"\"");

		assertThat(screenshot).exists();
		BufferedImage image = ImageIO.read(screenshot.toFile());
		assertPainted(image, probe(only(with(tags, "data-outcome", "success", "data-probe"))), SUCCESS, "success bar");
		assertPainted(image, probe(only(with(tags, "data-outcome", "budget_exceeded", "data-probe"))), BUDGET_EXCEEDED,
				"budget_exceeded bar");
		assertPainted(image, probe(cap), CAP, "cap line");
		assertPainted(image, probe(spend), SPEND, "spend line");
		assertPainted(image, probe(forecast), FORECAST, "forecast line");
		// half-way up a minute without calls the plot stays blank
		int[] plot = numbers(only(with(tags, "data-chart", "calls")).get("data-plot"));
		int[] box = numbers(only(with(tags, "data-chart", "calls")).get("data-box"));
		int quiet = quietMinute(calls);
		int x = box[0] + plot[0] + (int) ((quiet + 0.5) * plot[2] / counts(calls));
		int y = box[1] + plot[1] + plot[3] / 2;
		assertPainted(image, new int[] { x, y }, WHITE, "the plot at quiet minute " + quiet);
	}

	private static int counts(JsonNode calls) {
		return calls.get("minutes").asInt();
	}

	/** A minute of the hour in which no call ended, of any outcome. */
	private static int quietMinute(JsonNode calls) {
		for (int minute = 0; minute < counts(calls); minute++) {
			int total = 0;
			for (JsonNode counts : calls.get("outcomes")) {
				total += counts.get(minute).asInt();
			}
			if (total == 0) {
				return minute;
			}
		}
		throw new AssertionError("every minute of the hour had calls: " + calls);
	}

	/** The pixel nearest {@code at} (within 2 px) whose colour is closest to {@code rgb} must be that colour. */
	private static void assertPainted(BufferedImage image, int[] at, int rgb, String what) {
		double best = Double.MAX_VALUE;
		int found = 0;
		for (int dx = -2; dx <= 2; dx++) {
			for (int dy = -2; dy <= 2; dy++) {
				int px = at[0] + dx;
				int py = at[1] + dy;
				if (px >= 0 && py >= 0 && px < image.getWidth() && py < image.getHeight()) {
					int pixel = image.getRGB(px, py) & 0xffffff;
					double distance = distance(pixel, rgb);
					if (distance < best) {
						best = distance;
						found = pixel;
					}
				}
			}
		}
		assertThat(best).as("%s: expected #%06x around %d,%d, closest was #%06x", what, rgb, at[0], at[1], found)
			.isLessThan(24);
	}

	private static double distance(int a, int b) {
		int dr = ((a >> 16) & 0xff) - ((b >> 16) & 0xff);
		int dg = ((a >> 8) & 0xff) - ((b >> 8) & 0xff);
		int db = (a & 0xff) - (b & 0xff);
		return Math.sqrt(dr * dr + dg * dg + db * db);
	}

	private static int[] probe(Map<String, String> element) {
		assertThat(element).as("the page marked where it drew %s", element).containsKey("data-probe");
		return numbers(element.get("data-probe"));
	}

	private static int[] numbers(String commaSeparated) {
		String[] parts = commaSeparated.split(",");
		int[] numbers = new int[parts.length];
		for (int i = 0; i < parts.length; i++) {
			numbers[i] = Integer.parseInt(parts[i].trim());
		}
		return numbers;
	}

	private static Map<String, String> only(List<Map<String, String>> elements) {
		assertThat(elements).hasSize(1);
		return elements.get(0);
	}

	/** The elements having {@code name=value}, and each of the further attributes named. */
	private static List<Map<String, String>> with(List<Map<String, String>> tags, String name, String value,
			String... present) {
		return tags.stream()
			.filter((tag) -> value.equals(tag.get(name)))
			.filter((tag) -> List.of(present).stream().allMatch(tag::containsKey))
			.toList();
	}

	/** The chart elements of the dumped DOM, each as its attributes (and {@code tag}). */
	private static List<Map<String, String>> tags(String dom) {
		List<Map<String, String>> tags = new ArrayList<>();
		Matcher tag = TAG.matcher(dom);
		while (tag.find()) {
			Map<String, String> attributes = new LinkedHashMap<>();
			attributes.put("tag", tag.group(1));
			Matcher attribute = ATTRIBUTE.matcher(tag.group(2));
			while (attribute.find()) {
				attributes.put(attribute.group(1), attribute.group(2).replace("&amp;", "&"));
			}
			tags.add(attributes);
		}
		return tags;
	}

}
