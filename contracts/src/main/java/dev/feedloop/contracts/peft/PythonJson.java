package dev.feedloop.contracts.peft;

import dev.feedloop.contracts.codec.JsonStrings;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Renders values as Python's {@code json.dumps(value, indent=2, sort_keys=True)} does, which is how PEFT writes
 * {@code adapter_config.json}: two-space indent, {@code ", "}-free separators at line ends, {@code ": "} after
 * keys, keys sorted at every level, non-ASCII escaped ({@code ensure_ascii}), floats in Python {@code repr} form.
 *
 * <p>Supported values: {@code null}, {@link Boolean}, {@link Integer}, {@link Long}, {@link Double},
 * {@link String}, {@link List} and {@link Map} with string keys.
 */
final class PythonJson {
    private PythonJson() {
    }

    static String dumps(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object value, int level) {
        if (value == null) {
            sb.append("null");
        } else if (value instanceof Boolean b) {
            sb.append(b ? "true" : "false");
        } else if (value instanceof Integer || value instanceof Long) {
            sb.append(value);
        } else if (value instanceof Double d) {
            sb.append(floatRepr(d));
        } else if (value instanceof String s) {
            string(sb, s);
        } else if (value instanceof List<?> list) {
            if (list.isEmpty()) {
                sb.append("[]");
                return;
            }
            sb.append('[');
            for (Iterator<?> it = list.iterator(); it.hasNext(); ) {
                newline(sb, level + 1);
                write(sb, it.next(), level + 1);
                sb.append(it.hasNext() ? "," : "");
            }
            newline(sb, level);
            sb.append(']');
        } else if (value instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                sb.append("{}");
                return;
            }
            TreeMap<String, Object> sorted = new TreeMap<>();
            map.forEach((k, v) -> sorted.put((String) k, v));
            sb.append('{');
            for (Iterator<Map.Entry<String, Object>> it = sorted.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<String, Object> e = it.next();
                newline(sb, level + 1);
                string(sb, e.getKey());
                sb.append(": ");
                write(sb, e.getValue(), level + 1);
                sb.append(it.hasNext() ? "," : "");
            }
            newline(sb, level);
            sb.append('}');
        } else {
            throw new IllegalArgumentException("cannot write " + value.getClass().getSimpleName() + " as JSON");
        }
    }

    private static void newline(StringBuilder sb, int level) {
        sb.append('\n').append("  ".repeat(level));
    }

    /** A JSON string with {@code ensure_ascii=True}: everything outside space..tilde is escaped. */
    private static void string(StringBuilder sb, String s) {
        JsonStrings.appendQuoted(sb, s, true);
    }

    /** Python's {@code repr(float)}: shortest digits, plain between 1e-4 and 1e16, else {@code 1e-05} style. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0.0" : "0.0";
        }
        BigDecimal exact = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = exact.unscaledValue().toString();
        int exponent = digits.length() - 1 - exact.scale();
        String sign = d < 0 ? "-" : "";
        if (exponent < -4 || exponent >= 16) {
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            int abs = Math.abs(exponent);
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (abs < 10 ? "0" : "") + abs;
        }
        String plain = exact.toPlainString();
        return sign + (plain.indexOf('.') < 0 ? plain + ".0" : plain);
    }
}
