package dev.llmguard.sample.tools;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import org.springframework.stereotype.Component;

/**
 * The shop's function-calling tools, faked with canned data so the sample runs offline: what an
 * agent would call between LLM turns. Their call rates are what llm-guard limits.
 */
@Component
public class ShopTools {

	private static final List<Map<String, Object>> CATALOG = List.of(
			product("SKU-1001", "Trail running shoe", "89.90"), product("SKU-1002", "Waterproof hiking boot", "149.00"),
			product("SKU-1003", "Running socks (3 pairs)", "14.50"), product("SKU-1004", "Ultralight tent", "329.00"),
			product("SKU-1005", "Down sleeping bag", "249.00"));

	private final Map<String, Function<String, Map<String, Object>>> tools = new LinkedHashMap<>();

	ShopTools() {
		this.tools.put("search_products", ShopTools::searchProducts);
		this.tools.put("get_inventory", ShopTools::inventory);
		this.tools.put("lookup_order", ShopTools::order);
		this.tools.put("process_refund", ShopTools::refund);
	}

	/** Names of the tools that exist. */
	public Set<String> names() {
		return new TreeSet<>(this.tools.keySet());
	}

	/** Whether a tool of this name exists. */
	public boolean exists(String tool) {
		return this.tools.containsKey(tool);
	}

	/**
	 * Runs a tool.
	 * @param tool an existing tool
	 * @param query its argument
	 * @return the tool's answer, as a JSON object
	 */
	public Map<String, Object> run(String tool, String query) {
		Function<String, Map<String, Object>> implementation = this.tools.get(tool);
		if (implementation == null) {
			throw new UnknownToolException(names());
		}
		return implementation.apply(query.strip());
	}

	private static Map<String, Object> searchProducts(String query) {
		List<String> words = List.of(query.toLowerCase(Locale.ROOT).split("\\W+"));
		List<Map<String, Object>> found = CATALOG.stream()
			.filter((p) -> words.stream()
				.anyMatch((w) -> w.length() > 2 && ((String) p.get("name")).toLowerCase(Locale.ROOT).contains(w)))
			.toList();
		return answer("products", found);
	}

	private static Map<String, Object> inventory(String sku) {
		Map<String, Object> stock = new LinkedHashMap<>();
		stock.put("sku", sku);
		stock.put("inStock", Math.floorMod(sku.hashCode(), 40));
		stock.put("warehouse", "Lyon");
		return answer("inventory", stock);
	}

	private static Map<String, Object> order(String orderId) {
		Map<String, Object> order = new LinkedHashMap<>();
		order.put("orderId", orderId);
		order.put("status", "shipped");
		order.put("carrier", "DHL");
		order.put("items", 2);
		return answer("order", order);
	}

	private static Map<String, Object> refund(String orderId) {
		Map<String, Object> refund = new LinkedHashMap<>();
		refund.put("orderId", orderId);
		refund.put("status", "approved");
		return answer("refund", refund);
	}

	private static Map<String, Object> answer(String name, Object value) {
		Map<String, Object> answer = new LinkedHashMap<>();
		answer.put(name, value);
		answer.put("source", "shop");
		return answer;
	}

	private static Map<String, Object> product(String sku, String name, String price) {
		Map<String, Object> product = new LinkedHashMap<>();
		product.put("sku", sku);
		product.put("name", name);
		product.put("priceUsd", new java.math.BigDecimal(price));
		return product;
	}

}
