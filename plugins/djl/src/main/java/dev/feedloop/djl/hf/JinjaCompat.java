package dev.feedloop.djl.hf;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.TruthyTypeConverter;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.objects.SafeString;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import dev.feedloop.contracts.codec.JsonStrings;
import java.beans.FeatureDescriptor;
import java.lang.reflect.Array;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.tree.TreeStore;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Cache;
import jinjava.de.odysseus.el.tree.impl.Parser;
import jinjava.de.odysseus.el.tree.impl.Scanner;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstUnary;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;
import jinjava.javax.el.ExpressionFactory;

/**
 * The pieces that make Jinjava render Hugging Face chat templates the way transformers' Jinja2 environment does:
 * the {@code raise_exception} and {@code strftime_now} globals, a Python-compatible {@code tojson} filter, the
 * {@code items}/{@code min}/{@code max} filters Jinjava lacks, the {@code {% generation %}} tag, Python string methods
 * ({@code .strip()}, {@code .startswith()}, …), Jinja2's precedence for {@code not}, and a check that every filter and
 * test a template names exists (Jinjava silently renders an unknown one as nothing).
 */
final class JinjaCompat {

    private JinjaCompat() {
    }

    /**
     * Jinjava whose expression parser gives {@code not} Jinja2's precedence: below comparisons, {@code in} and
     * {@code is} tests, above {@code and}. Stock Jinjava parses {@code not x is defined} as
     * {@code (not x) is defined}, which is always true, so Llama 3.1's {@code if not tools is defined} would discard
     * the tools, and {@code not a == b} fails to coerce a boolean.
     */
    static final class Jinja2Jinjava extends Jinjava {
        /** Features of JUEL's JEE6 profile, which stock Jinjava's factory uses. */
        private final ExpressionFactory factory = new ExpressionFactoryImpl(
                new TreeStore(new Jinja2SyntaxBuilder(), new Cache(1000)), new TruthyTypeConverter());

        Jinja2Jinjava(JinjavaConfig config) {
            super(config);
        }

        @Override
        public ExpressionFactory getExpressionFactory() {
            return factory;
        }
    }

    private static final class Jinja2SyntaxBuilder extends ExtendedSyntaxBuilder {
        private static final long serialVersionUID = 1L;

        Jinja2SyntaxBuilder() {
            super(Builder.Feature.METHOD_INVOCATIONS, Builder.Feature.VARARGS);
        }

        @Override
        protected Parser createParser(String expression) {
            return new Jinja2Parser(this, expression);
        }
    }

    private static final class Jinja2Parser extends ExtendedParser {
        Jinja2Parser(Builder context, String input) {
            super(context, input);
        }

        /** Jinja2's {@code parse_not}: {@code not} applies to a whole comparison. */
        @Override
        protected AstNode eq(boolean required) throws Scanner.ScanException, Parser.ParseException {
            if (getToken().getSymbol() == Scanner.Symbol.NOT) {
                consumeToken();
                return createAstUnary(eq(true), AstUnary.NOT);
            }
            return super.eq(required);
        }
    }

    private static final Pattern FILTER_USE = Pattern.compile("\\|\\s*([A-Za-z_]\\w*)");
    private static final Pattern TEST_USE = Pattern.compile("\\bis\\s+(?:not\\s+)?([A-Za-z_]\\w*)");

    /**
     * The filters and tests {@code template} names that {@code context} does not define, as {@code "filter x"} /
     * {@code "test y"}, in order of first use. Looks only at code inside <code>&#123;&#123; &#125;&#125;</code> and
     * {@code {% %}}, outside string literals and {@code raw} blocks.
     */
    static Set<String> unknownFiltersAndTests(String template, Context context) {
        Set<String> unknown = new LinkedHashSet<>();
        for (String code : expressionCode(template)) {
            Matcher f = FILTER_USE.matcher(code);
            while (f.find()) {
                if (context.getFilter(f.group(1)) == null) {
                    unknown.add("filter '" + f.group(1) + "'");
                }
            }
            Matcher t = TEST_USE.matcher(code);
            while (t.find()) {
                if (context.getExpTest(t.group(1)) == null) {
                    unknown.add("test '" + t.group(1) + "'");
                }
            }
        }
        return unknown;
    }

    /** The code of each expression and statement tag, string literals blanked to {@code ''}. */
    static List<String> expressionCode(String template) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = template.length();
        boolean raw = false;
        while (i < n) {
            int open = template.indexOf('{', i);
            if (open < 0 || open + 1 >= n) {
                break;
            }
            char kind = template.charAt(open + 1);
            if (kind == '#') {
                int close = template.indexOf("#}", open + 2);
                i = close < 0 ? n : close + 2;
                continue;
            }
            if (kind != '{' && kind != '%') {
                i = open + 1;
                continue;
            }
            String end = kind == '{' ? "}}" : "%}";
            StringBuilder code = new StringBuilder();
            int j = open + 2;
            char quote = 0;
            while (j < n && (quote != 0 || !template.startsWith(end, j))) {
                char c = template.charAt(j);
                if (quote != 0) {
                    if (c == '\\') {
                        j++;
                    } else if (c == quote) {
                        quote = 0;
                        code.append("''");
                    }
                } else if (c == '\'' || c == '"') {
                    quote = c;
                } else {
                    code.append(c);
                }
                j++;
            }
            String body = code.toString().replaceAll("^[-+]|[-+]$", "").trim();
            if (kind == '%' && body.equals("raw")) {
                raw = true;
            } else if (kind == '%' && body.equals("endraw")) {
                raw = false;
            } else if (!raw) {
                out.add(body);
            }
            i = j + 2;
        }
        return out;
    }

    /** Thrown by {@code raise_exception(msg)}; {@link ChatTemplate} turns it into a {@link ChatTemplateException}. */
    static final class RaisedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RaisedException(String message) {
            super(message);
        }
    }

    /** {@code raise_exception(message)}: aborts rendering with the template's message. */
    static String raiseException(String message) {
        throw new RaisedException(message);
    }

    /**
     * {@code strftime_now(format)}: the current time of the renderer's clock (Jinjava's {@code DateTimeProvider} and
     * time zone) formatted with Python {@code strftime} codes.
     */
    static String strftimeNow(String format) {
        JinjavaInterpreter interpreter = JinjavaInterpreter.getCurrent();
        long millis = interpreter.getConfig().getDateTimeProvider().getCurrentTimeMillis();
        ZonedDateTime now = Instant.ofEpochMilli(millis).atZone(interpreter.getConfig().getTimeZone());
        return strftime(now, format);
    }

    /**
     * Python {@code strftime} in the C locale for the codes chat templates use: {@code %a %A %b %h %B %d %e %H %I %j
     * %m %M %p %S %y %Y %z %Z %%}.
     *
     * @throws IllegalArgumentException on any other code
     */
    static String strftime(ZonedDateTime t, String format) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                sb.append(c);
                continue;
            }
            char code = format.charAt(++i);
            switch (code) {
                case 'a' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'b', 'h' -> sb.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'B' -> sb.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'd' -> sb.append(String.format(Locale.ROOT, "%02d", t.getDayOfMonth()));
                case 'e' -> sb.append(String.format(Locale.ROOT, "%2d", t.getDayOfMonth()));
                case 'H' -> sb.append(String.format(Locale.ROOT, "%02d", t.getHour()));
                case 'I' -> sb.append(String.format(Locale.ROOT, "%02d", (t.getHour() + 11) % 12 + 1));
                case 'j' -> sb.append(String.format(Locale.ROOT, "%03d", t.getDayOfYear()));
                case 'm' -> sb.append(String.format(Locale.ROOT, "%02d", t.getMonthValue()));
                case 'M' -> sb.append(String.format(Locale.ROOT, "%02d", t.getMinute()));
                case 'p' -> sb.append(t.getHour() < 12 ? "AM" : "PM");
                case 'S' -> sb.append(String.format(Locale.ROOT, "%02d", t.getSecond()));
                case 'y' -> sb.append(String.format(Locale.ROOT, "%02d", t.getYear() % 100));
                case 'Y' -> sb.append(t.getYear());
                case 'z' -> sb.append(t.getOffset().getId().equals("Z") ? "+0000" : t.getOffset().getId().replace(":", ""));
                case 'Z' -> sb.append(t.getZone().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case '%' -> sb.append('%');
                default -> throw new IllegalArgumentException("strftime_now: unsupported format code %" + code
                        + " in '" + format + "'");
            }
        }
        return sb.toString();
    }

    /**
     * {@code tojson} as transformers overrides it: {@code json.dumps(x, ensure_ascii=False)}, i.e. {@code ", "} and
     * {@code ": "} separators, no HTML escaping, non-ASCII kept; {@code indent=n} pretty-prints like Python.
     */
    static final class ToJsonFilter implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
            int n = indent == null ? -1 : Integer.parseInt(indent.toString());
            StringBuilder sb = new StringBuilder();
            PyJson.write(sb, var, n, 0);
            return sb.toString();
        }
    }

    /** {@code items}: a mapping's {@code (key, value)} pairs as two-element lists; nothing for {@code none}. */
    static final class ItemsFilter implements Filter {
        @Override
        public String getName() {
            return "items";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            List<List<Object>> out = new ArrayList<>();
            if (var instanceof Map<?, ?> m) {
                m.forEach((k, v) -> {
                    List<Object> pair = new ArrayList<>(2);
                    pair.add(k);
                    pair.add(v);
                    out.add(pair);
                });
            } else if (var != null) {
                throw new IllegalArgumentException("items: expected a mapping, got " + var.getClass().getSimpleName());
            }
            return out;
        }
    }

    /**
     * {@code min} / {@code max} of a sequence, like Jinja2's: strings compare case-insensitively unless
     * {@code case_sensitive=true}, {@code attribute=name} compares that key of each item; empty gives nothing.
     */
    static final class ExtremumFilter implements Filter {
        private final boolean max;

        ExtremumFilter(boolean max) {
            this.max = max;
        }

        @Override
        public String getName() {
            return max ? "max" : "min";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            if (!(var instanceof Iterable<?> items)) {
                throw new IllegalArgumentException(getName() + ": expected a sequence");
            }
            boolean caseSensitive = Boolean.parseBoolean(String.valueOf(kwargs.getOrDefault("case_sensitive",
                    args.length > 0 ? args[0] : "false")));
            Object attribute = kwargs.get("attribute");
            Comparator<Object> order = (a, b) -> compare(key(a, attribute), key(b, attribute), caseSensitive);
            Object best = null;
            for (Object item : items) {
                if (best == null || (max ? order.compare(item, best) > 0 : order.compare(item, best) < 0)) {
                    best = item;
                }
            }
            return best;
        }

        private static Object key(Object item, Object attribute) {
            return attribute != null && item instanceof Map<?, ?> m ? m.get(attribute.toString()) : item;
        }

        private static int compare(Object a, Object b, boolean caseSensitive) {
            if (a instanceof Number x && b instanceof Number y) {
                return Double.compare(x.doubleValue(), y.doubleValue());
            }
            String x = String.valueOf(a);
            String y = String.valueOf(b);
            return caseSensitive ? x.compareTo(y) : x.toLowerCase(Locale.ROOT).compareTo(y.toLowerCase(Locale.ROOT));
        }
    }

    /** Python's {@code json.dumps(ensure_ascii=False)} output for Java maps, collections, strings and numbers. */
    static final class PyJson {
        private PyJson() {
        }

        static String dumps(Object value) {
            StringBuilder sb = new StringBuilder();
            write(sb, value, -1, 0);
            return sb.toString();
        }

        /** @param indent -1 for single-line output, else spaces per level */
        static void write(StringBuilder sb, Object v, int indent, int level) {
            if (v == null) {
                sb.append("null");
            } else if (v instanceof Boolean b) {
                sb.append(b ? "true" : "false");
            } else if (v instanceof Double || v instanceof Float) {
                double d = ((Number) v).doubleValue();
                sb.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity")
                        : pythonFloat(d));
            } else if (v instanceof Number num) {
                sb.append(num);
            } else if (v instanceof Map<?, ?> m) {
                writeContainer(sb, '{', '}', m.entrySet().iterator(), m.isEmpty(), indent, level, true);
            } else if (v instanceof Collection<?> c) {
                writeContainer(sb, '[', ']', c.iterator(), c.isEmpty(), indent, level, false);
            } else if (v.getClass().isArray()) {
                List<Object> list = new ArrayList<>();
                for (int i = 0; i < Array.getLength(v); i++) {
                    list.add(Array.get(v, i));
                }
                write(sb, list, indent, level);
            } else {
                string(sb, v.toString());
            }
        }

        private static void writeContainer(StringBuilder sb, char open, char close, Iterator<?> it, boolean empty,
                int indent, int level, boolean map) {
            sb.append(open);
            if (empty) {
                sb.append(close);
                return;
            }
            boolean first = true;
            while (it.hasNext()) {
                Object item = it.next();
                if (!first) {
                    sb.append(indent < 0 ? ", " : ",");
                }
                first = false;
                newline(sb, indent, level + 1);
                if (map) {
                    Map.Entry<?, ?> e = (Map.Entry<?, ?>) item;
                    string(sb, String.valueOf(e.getKey()));
                    sb.append(": ");
                    write(sb, e.getValue(), indent, level + 1);
                } else {
                    write(sb, item, indent, level + 1);
                }
            }
            newline(sb, indent, level);
            sb.append(close);
        }

        private static void newline(StringBuilder sb, int indent, int level) {
            if (indent >= 0) {
                sb.append('\n').append(" ".repeat(indent * level));
            }
        }

        private static String pythonFloat(double d) {
            String s = Double.toString(d);
            int e = s.indexOf('E');
            if (e < 0) {
                return s;
            }
            String mantissa = s.substring(0, e);
            if (mantissa.endsWith(".0")) {
                mantissa = mantissa.substring(0, mantissa.length() - 2);
            }
            int exp = Integer.parseInt(s.substring(e + 1));
            return mantissa + "e" + (exp < 0 ? "-" : "+") + String.format(Locale.ROOT, "%02d", Math.abs(exp));
        }

        private static void string(StringBuilder sb, String s) {
            JsonStrings.appendQuoted(sb, s, false);
        }
    }

    /**
     * {@code {% generation %}…{% endgeneration %}}: transformers' marker for assistant tokens (used for
     * {@code return_assistant_tokens_mask}); renders its body unchanged.
     */
    static final class GenerationTag implements Tag {
        @Override
        public String getName() {
            return "generation";
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            StringBuilder sb = new StringBuilder();
            for (Node child : tagNode.getChildren()) {
                sb.append(child.render(interpreter).getValue());
            }
            return sb.toString();
        }
    }

    /**
     * Python {@code str} methods on strings: {@code strip/lstrip/rstrip([chars])}, {@code startswith/endswith(prefix
     * or list of prefixes)}, {@code split([sep[, maxsplit]])}, {@code upper}, {@code lower}, {@code title},
     * {@code capitalize}, {@code replace(old, new[, count])}, {@code find(sub)} and {@code join(iterable)}. Without
     * this resolver Jinjava falls through to Java's methods, so {@code .upper()} fails and {@code .split('.')} is
     * a regex split.
     */
    static final class StringMethods extends ELResolver {
        private static final Set<String> METHODS = Set.of("strip", "lstrip", "rstrip", "startswith", "endswith", "split",
                "upper", "lower", "title", "capitalize", "replace", "find", "join");

        @Override
        public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
            if (!(base instanceof String || base instanceof SafeString) || method == null
                    || !METHODS.contains(method.toString())) {
                return null;
            }
            Object[] args = params == null ? new Object[0] : params;
            Object result = call(base.toString(), method.toString(), args);
            context.setPropertyResolved(true);
            return result;
        }

        static Object call(String s, String method, Object[] args) {
            return switch (method) {
                case "strip" -> rstrip(lstrip(s, arg(args, 0)), arg(args, 0));
                case "lstrip" -> lstrip(s, arg(args, 0));
                case "rstrip" -> rstrip(s, arg(args, 0));
                case "startswith" -> affix(s, args, true);
                case "endswith" -> affix(s, args, false);
                case "split" -> split(s, arg(args, 0), args.length > 1 ? ((Number) args[1]).intValue() : -1);
                case "upper" -> s.toUpperCase(Locale.ROOT);
                case "lower" -> s.toLowerCase(Locale.ROOT);
                case "title" -> title(s);
                case "capitalize" -> s.isEmpty() ? s
                        : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
                case "replace" -> replace(s, str(args, 0), str(args, 1), args.length > 2 ? ((Number) args[2]).intValue() : -1);
                case "find" -> s.indexOf(str(args, 0));
                case "join" -> join(s, args.length > 0 ? args[0] : null);
                default -> throw new IllegalStateException(method);
            };
        }

        private static String arg(Object[] args, int i) {
            return i < args.length && args[i] != null ? args[i].toString() : null;
        }

        private static String str(Object[] args, int i) {
            if (i >= args.length || args[i] == null) {
                throw new IllegalArgumentException("missing string argument " + (i + 1));
            }
            return args[i].toString();
        }

        private static boolean strippable(int cp, String chars) {
            return chars == null ? Character.isWhitespace(cp) || Character.isSpaceChar(cp) : chars.indexOf(cp) >= 0;
        }

        static String lstrip(String s, String chars) {
            int i = 0;
            while (i < s.length() && strippable(s.codePointAt(i), chars)) {
                i += Character.charCount(s.codePointAt(i));
            }
            return s.substring(i);
        }

        static String rstrip(String s, String chars) {
            int j = s.length();
            while (j > 0 && strippable(s.codePointBefore(j), chars)) {
                j -= Character.charCount(s.codePointBefore(j));
            }
            return s.substring(0, j);
        }

        private static boolean affix(String s, Object[] args, boolean prefix) {
            if (args.length == 0 || args[0] == null) {
                throw new IllegalArgumentException((prefix ? "startswith" : "endswith") + " needs an argument");
            }
            List<String> candidates = new ArrayList<>();
            if (args[0] instanceof Collection<?> c) {
                c.forEach(x -> candidates.add(String.valueOf(x)));
            } else {
                candidates.add(args[0].toString());
            }
            for (String c : candidates) {
                if (prefix ? s.startsWith(c) : s.endsWith(c)) {
                    return true;
                }
            }
            return false;
        }

        static List<String> split(String s, String sep, int maxSplit) {
            List<String> out = new ArrayList<>();
            if (sep == null) {
                int i = 0;
                int n = s.length();
                while (true) {
                    while (i < n && Character.isWhitespace(s.charAt(i))) {
                        i++;
                    }
                    if (i == n) {
                        return out;
                    }
                    if (maxSplit >= 0 && out.size() == maxSplit) {
                        out.add(s.substring(i));
                        return out;
                    }
                    int j = i;
                    while (j < n && !Character.isWhitespace(s.charAt(j))) {
                        j++;
                    }
                    out.add(s.substring(i, j));
                    i = j;
                }
            }
            if (sep.isEmpty()) {
                throw new IllegalArgumentException("split: empty separator");
            }
            int start = 0;
            int at;
            while ((maxSplit < 0 || out.size() < maxSplit) && (at = s.indexOf(sep, start)) >= 0) {
                out.add(s.substring(start, at));
                start = at + sep.length();
            }
            out.add(s.substring(start));
            return out;
        }

        private static String title(String s) {
            StringBuilder sb = new StringBuilder(s.length());
            boolean previousCased = false;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                sb.append(previousCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
                previousCased = Character.isLetter(c);
            }
            return sb.toString();
        }

        private static String replace(String s, String old, String replacement, int count) {
            if (count < 0) {
                return s.replace(old, replacement);
            }
            StringBuilder sb = new StringBuilder();
            int start = 0;
            int at;
            int done = 0;
            while (done < count && (at = s.indexOf(old, start)) >= 0) {
                sb.append(s, start, at).append(replacement);
                start = at + old.length();
                done++;
                if (old.isEmpty()) {
                    if (start < s.length()) {
                        sb.append(s.charAt(start));
                    }
                    start++;
                }
            }
            if (start <= s.length()) {
                sb.append(s.substring(Math.min(start, s.length())));
            }
            return sb.toString();
        }

        private static String join(String sep, Object items) {
            List<String> parts = new ArrayList<>();
            if (items instanceof Iterable<?> it) {
                it.forEach(x -> parts.add(Objects.toString(x)));
            } else if (items != null && items.getClass().isArray()) {
                for (int i = 0; i < Array.getLength(items); i++) {
                    parts.add(Objects.toString(Array.get(items, i)));
                }
            } else if (items != null) {
                // a string joins its characters, as in Python
                items.toString().codePoints().forEach(cp -> parts.add(new String(Character.toChars(cp))));
            }
            return String.join(sep, parts);
        }

        @Override
        public Object getValue(ELContext context, Object base, Object property) {
            return null;
        }

        @Override
        public Class<?> getType(ELContext context, Object base, Object property) {
            return null;
        }

        @Override
        public void setValue(ELContext context, Object base, Object property, Object value) {
            // not a property resolver
        }

        @Override
        public boolean isReadOnly(ELContext context, Object base, Object property) {
            return true;
        }

        @Override
        public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
            return null;
        }

        @Override
        public Class<?> getCommonPropertyType(ELContext context, Object base) {
            return null;
        }
    }
}
