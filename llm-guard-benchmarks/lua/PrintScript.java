import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * Prints the text of one of llm-guard's Redis scripts, e.g. {@code dev.llmguard.redis.BudgetScripts RESERVE},
 * for script-floor.sh (the scripts are package-private constants of the Redis backend).
 */
public final class PrintScript {

	public static void main(String[] args) throws Exception {
		Field field = Class.forName(args[0]).getDeclaredField(args[1]);
		field.setAccessible(true);
		Object script = field.get(null);
		Method text = script.getClass().getDeclaredMethod("text");
		text.setAccessible(true);
		System.out.print(text.invoke(script));
	}

}
