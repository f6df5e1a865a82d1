package dev.feedloop.contracts.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Loads Feedloop's JSON Schemas from the classpath and compiles them into fast validators.
 *
 * <p>Design: the schemas under {@code schemas/} are the single source of truth for the wire format.
 * {@code contracts} may depend on the JDK and Jackson only, so this class implements the part of JSON
 * Schema draft 2020-12 those schemas use, and <b>refuses any other keyword</b> when it compiles a
 * schema, so a schema can never silently rely on something that is not checked. The test suite
 * cross-checks every verdict against an independent implementation (networknt).
 *
 * <p>Supported: {@code type}, {@code enum}, {@code const}, {@code properties}, {@code required},
 * {@code additionalProperties}, {@code minProperties}, {@code items}, {@code minItems}, {@code
 * maxItems}, {@code uniqueItems}, {@code minLength}, {@code maxLength}, {@code pattern}, {@code format}
 * ({@code date-time}, {@code uri}), {@code minimum}, {@code maximum}, {@code exclusiveMinimum}, {@code
 * exclusiveMaximum}, {@code allOf}, {@code anyOf}, {@code oneOf}, {@code not}, {@code if}/{@code
 * then}/{@code else}, {@code $ref} (relative and absolute, JSON Pointer fragments), {@code $defs}; the
 * annotations {@code $schema}, {@code $id}, {@code $comment}, {@code title}, {@code description},
 * {@code default}, {@code examples}, {@code deprecated}, {@code contentEncoding}, {@code
 * contentMediaType} are ignored.
 *
 * <p>Error messages name the exact JSON Pointer of the offending value. A missing required property
 * is reported at the pointer of the property itself ({@code /rating: is required}); a violation
 * inside a {@code then} clause says which condition demanded it ({@code (because kind is RATING)}).
 *
 * <p>Thread-safe. {@link #bundled()} is the shared instance over the schemas shipped in this jar.
 */
public final class SchemaRegistry {
    /** Base URI of every Feedloop schema {@code $id}; never fetched, only used as a name. */
    public static final String BASE_URI = "https://feedloop.dev/schemas/";

    private static final String RESOURCE_DIR = "schemas/";
    private static final Set<String> ANNOTATIONS = Set.of(
            "$schema", "$id", "$comment", "title", "description", "default", "examples",
            "deprecated", "readOnly", "writeOnly", "$defs", "contentEncoding", "contentMediaType");
    private static final Set<String> FORMATS = Set.of("date-time", "uri");

    private final ObjectMapper mapper = new ObjectMapper();
    private final ClassLoader classLoader;
    private final Map<URI, JsonNode> documents = new ConcurrentHashMap<>();
    private final Map<String, SchemaNode> compiled = new ConcurrentHashMap<>();
    private final Map<String, JsonSchema> schemas = new ConcurrentHashMap<>();
    private final List<RefNode> refs = Collections.synchronizedList(new ArrayList<>());

    private static final class Holder {
        static final SchemaRegistry BUNDLED = new SchemaRegistry(SchemaRegistry.class.getClassLoader());
    }

    /** Creates a registry that reads {@code schemas/<file>} resources from the given class loader. */
    public SchemaRegistry(ClassLoader classLoader) {
        this.classLoader = classLoader;
    }

    /** The shared registry over the schemas shipped in the contracts jar. */
    public static SchemaRegistry bundled() {
        return Holder.BUNDLED;
    }

    /**
     * Returns the compiled schema in resource {@code schemas/<fileName>}, compiling it (and every
     * schema it references) on first use.
     *
     * @throws SchemaException if the schema cannot be read, uses an unsupported keyword, or has a
     *     {@code $ref} that does not resolve
     */
    public JsonSchema schema(String fileName) {
        return schemas.computeIfAbsent(fileName, f -> {
            URI uri = URI.create(BASE_URI + f);
            SchemaNode root = node(uri);
            // Resolve every reference now, so a broken $ref fails at load time, not on some rare event.
            List<RefNode> pending = new ArrayList<>(refs);
            for (RefNode ref : pending) {
                ref.target();
            }
            return new JsonSchema(uri.toString(), root);
        });
    }

    /** The raw JSON of a schema resource (for documentation and tests). */
    public JsonNode document(String fileName) {
        return document(URI.create(BASE_URI + fileName));
    }

    private JsonNode document(URI documentUri) {
        return documents.computeIfAbsent(documentUri, uri -> {
            String s = uri.toString();
            if (!s.startsWith(BASE_URI)) {
                throw new SchemaException("schema " + s + " is outside " + BASE_URI + " and is never fetched");
            }
            String resource = RESOURCE_DIR + s.substring(BASE_URI.length());
            try (InputStream in = classLoader.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new SchemaException("schema resource " + resource + " not found on the classpath");
                }
                JsonNode doc = mapper.readTree(in);
                JsonNode id = doc.get("$id");
                if (id == null || !id.asText().equals(s)) {
                    throw new SchemaException("schema resource " + resource + " must declare \"$id\": \"" + s + "\"");
                }
                return doc;
            } catch (IOException e) {
                throw new SchemaException("cannot read schema resource " + resource + ": " + e.getMessage(), e);
            }
        });
    }

    /** The compiled node at an absolute URI with an optional JSON Pointer fragment. */
    private SchemaNode node(URI uri) {
        String key = uri.toString();
        SchemaNode existing = compiled.get(key);
        if (existing != null) {
            return existing;
        }
        URI documentUri;
        try {
            documentUri = new URI(uri.getScheme(), uri.getSchemeSpecificPart(), null);
        } catch (URISyntaxException e) {
            throw new SchemaException("bad schema URI " + uri, e);
        }
        JsonNode doc = document(documentUri);
        String fragment = uri.getFragment();
        JsonNode target = fragment == null || fragment.isEmpty() ? doc : doc.at(fragment);
        if (target.isMissingNode()) {
            throw new SchemaException("$ref " + uri + " does not resolve: no " + fragment + " in " + documentUri);
        }
        SchemaNode node = compile(target, documentUri, key);
        SchemaNode raced = compiled.putIfAbsent(key, node);
        return raced != null ? raced : node;
    }

    private SchemaNode compile(JsonNode schema, URI base, String where) {
        StreamingNode.Plan plan = new StreamingNode.Plan();
        if (schema.isBoolean()) {
            if (schema.booleanValue()) {
                return StreamingNode.of((v, p, out) -> { }, plan);
            }
            plan.nothing();
            return StreamingNode.of((v, p, out) -> out.add(p, () -> "is not allowed"), plan);
        }
        if (!schema.isObject()) {
            throw new SchemaException("schema at " + where + " must be an object or a boolean");
        }
        List<SchemaNode> checks = new ArrayList<>();
        ObjectChecks objectChecks = null;
        for (Map.Entry<String, JsonNode> e : schema.properties()) {
            String kw = e.getKey();
            JsonNode arg = e.getValue();
            String at = where + "/" + kw;
            switch (kw) {
                case "type" -> {
                    checks.add(typeCheck(arg, at));
                    plan.types(typeMask(arg, at));
                }
                case "enum" -> {
                    checks.add(enumCheck(arg, at));
                    List<JsonNode> values = new ArrayList<>();
                    arg.forEach(values::add);
                    plan.values(values);
                }
                case "const" -> {
                    plan.values(List.of(arg));
                    checks.add((v, p, out) -> {
                        if (!jsonEquals(v, arg)) {
                            out.add(p, () -> "must be " + arg + ", got " + abbreviate(v));
                        }
                    });
                }
                case "properties", "required", "additionalProperties", "minProperties" -> {
                    if (objectChecks == null) {
                        objectChecks = new ObjectChecks();
                        checks.add(objectChecks);
                    }
                    objectChecks.configure(kw, arg, base, at, this);
                }
                case "items" -> {
                    SchemaNode items = compile(arg, base, at);
                    plan.items(items);
                    checks.add((v, p, out) -> {
                        if (v.isArray()) {
                            for (int i = 0; i < v.size() && !out.done(); i++) {
                                items.validate(v.get(i), p.item(i), out);
                            }
                        }
                    });
                }
                case "minItems" -> {
                    int min = intArg(arg, at);
                    plan.minItems(min);
                    checks.add((v, p, out) -> {
                        if (v.isArray() && v.size() < min) {
                            out.add(p, () -> "must have at least " + min + " item" + (min == 1 ? "" : "s") + ", has " + v.size());
                        }
                    });
                }
                case "maxItems" -> {
                    int max = intArg(arg, at);
                    plan.maxItems(max);
                    checks.add((v, p, out) -> {
                        if (v.isArray() && v.size() > max) {
                            out.add(p, () -> "must have at most " + max + " items, has " + v.size());
                        }
                    });
                }
                case "uniqueItems" -> {
                    if (arg.asBoolean()) {
                        plan.arrayTree();
                        checks.add((v, p, out) -> {
                            if (v.isArray()) {
                                Set<JsonNode> seen = new HashSet<>();
                                for (int i = 0; i < v.size(); i++) {
                                    JsonNode item = v.get(i);
                                    if (!seen.add(item)) {
                                        out.add(p.item(i), () -> "duplicates an earlier item " + abbreviate(item));
                                    }
                                }
                            }
                        });
                    }
                }
                case "minLength" -> {
                    int min = intArg(arg, at);
                    plan.needs(StreamingNode.STRING);
                    checks.add((v, p, out) -> {
                        if (v.isTextual() && codePoints(v.textValue()) < min) {
                            out.add(p, () -> "must be at least " + min + " character" + (min == 1 ? "" : "s") + " long");
                        }
                    });
                }
                case "maxLength" -> {
                    int max = intArg(arg, at);
                    plan.needs(StreamingNode.STRING);
                    checks.add((v, p, out) -> {
                        if (v.isTextual() && codePoints(v.textValue()) > max) {
                            out.add(p, () -> "must be at most " + max + " characters long, is " + codePoints(v.textValue()));
                        }
                    });
                }
                case "pattern" -> {
                    plan.needs(StreamingNode.STRING);
                    Pattern pattern;
                    try {
                        pattern = Pattern.compile(arg.asText());
                    } catch (PatternSyntaxException ex) {
                        throw new SchemaException("bad pattern at " + at + ": " + ex.getMessage(), ex);
                    }
                    checks.add((v, p, out) -> {
                        if (v.isTextual() && !pattern.matcher(v.textValue()).find()) {
                            out.add(p, () -> "must match pattern " + pattern.pattern() + ", got " + abbreviate(v));
                        }
                    });
                }
                case "format" -> {
                    checks.add(formatCheck(arg.asText(), at));
                    plan.needs(StreamingNode.STRING);
                }
                case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum" -> {
                    checks.add(boundCheck(kw, arg, at));
                    plan.needs(StreamingNode.NUMBER);
                }
                case "allOf" -> {
                    plan.tree();
                    for (int i = 0; i < arg.size(); i++) {
                        checks.add(compile(arg.get(i), base, at + "/" + i));
                    }
                }
                case "anyOf" -> {
                    List<SchemaNode> alternatives = compileAll(arg, base, at);
                    checks.add(anyOf(alternatives));
                    plan.choice(false, arg, alternatives, ANNOTATIONS);
                }
                case "oneOf" -> {
                    List<SchemaNode> alternatives = compileAll(arg, base, at);
                    checks.add(oneOf(alternatives, arg));
                    plan.choice(true, arg, alternatives, ANNOTATIONS);
                }
                case "not" -> {
                    plan.tree();
                    SchemaNode not = compile(arg, base, at);
                    checks.add((v, p, out) -> {
                        if (not.matches(v)) {
                            out.add(p, () -> "must not match " + arg);
                        }
                    });
                }
                case "if" -> {
                    plan.tree();
                    checks.add(conditional(schema, base, where));
                }
                case "then", "else" -> {
                    if (!schema.has("if")) {
                        throw new SchemaException("'" + kw + "' without 'if' at " + at);
                    }
                }
                case "$ref" -> {
                    RefNode ref = new RefNode(this, resolve(base, arg.asText(), at));
                    refs.add(ref);
                    checks.add(ref);
                    plan.ref(ref);
                }
                default -> {
                    if (!ANNOTATIONS.contains(kw)) {
                        throw new SchemaException("unsupported JSON Schema keyword '" + kw + "' at " + at);
                    }
                }
            }
        }
        if (objectChecks != null) {
            plan.object(objectChecks.keywords());
        }
        if (checks.size() == 1) {
            return StreamingNode.of(checks.get(0), plan);
        }
        SchemaNode[] all = checks.toArray(SchemaNode[]::new);
        return StreamingNode.of((v, p, out) -> {
            for (int i = 0; i < all.length && !out.done(); i++) {
                all[i].validate(v, p, out);
            }
        }, plan);
    }

    private List<SchemaNode> compileAll(JsonNode arg, URI base, String at) {
        if (!arg.isArray() || arg.isEmpty()) {
            throw new SchemaException(at + " must be a non-empty array of schemas");
        }
        List<SchemaNode> nodes = new ArrayList<>();
        for (int i = 0; i < arg.size(); i++) {
            nodes.add(compile(arg.get(i), base, at + "/" + i));
        }
        return nodes;
    }

    private static URI resolve(URI base, String ref, String at) {
        try {
            return base.resolve(new URI(ref));
        } catch (URISyntaxException e) {
            throw new SchemaException("bad $ref '" + ref + "' at " + at, e);
        }
    }

    /** A reference, resolved on first use so that recursive schemas compile. */
    static final class RefNode implements SchemaNode {
        private final SchemaRegistry registry;
        private final URI uri;
        private volatile SchemaNode target;

        RefNode(SchemaRegistry registry, URI uri) {
            this.registry = registry;
            this.uri = uri;
        }

        SchemaNode target() {
            SchemaNode t = target;
            if (t == null) {
                t = registry.node(uri);
                target = t;
            }
            return t;
        }

        @Override
        public void validate(JsonNode value, Pointer path, Out out) {
            target().validate(value, path, out);
        }
    }

    /** properties + required + additionalProperties + minProperties, evaluated together. */
    private static final class ObjectChecks implements SchemaNode {
        private final Map<String, SchemaNode> properties = new LinkedHashMap<>();
        private final List<String> required = new ArrayList<>();
        private SchemaNode additional; // null = allowed, anything
        private boolean additionalForbidden;
        private int minProperties;

        void configure(String kw, JsonNode arg, URI base, String at, SchemaRegistry reg) {
            switch (kw) {
                case "properties" -> arg.properties().forEach(
                        e -> properties.put(e.getKey(), reg.compile(e.getValue(), base, at + "/" + e.getKey())));
                case "required" -> arg.forEach(n -> required.add(n.asText()));
                case "additionalProperties" -> {
                    if (arg.isBoolean() && !arg.booleanValue()) {
                        additionalForbidden = true;
                    } else if (!(arg.isBoolean() && arg.booleanValue())) {
                        additional = reg.compile(arg, base, at);
                    }
                }
                case "minProperties" -> minProperties = intArg(arg, at);
                default -> throw new IllegalStateException(kw);
            }
        }

        StreamingNode.ObjectKeywords keywords() {
            return new StreamingNode.ObjectKeywords(properties, required, additional, additionalForbidden, minProperties);
        }

        @Override
        public void validate(JsonNode v, Pointer p, Out out) {
            if (!v.isObject()) {
                return;
            }
            for (String name : required) {
                if (!v.has(name)) {
                    out.add(p.property(name), () -> "is required");
                }
            }
            for (Map.Entry<String, JsonNode> e : v.properties()) {
                if (out.done()) {
                    return;
                }
                Pointer childPath = p.property(e.getKey());
                SchemaNode prop = properties.get(e.getKey());
                if (prop != null) {
                    prop.validate(e.getValue(), childPath, out);
                } else if (additionalForbidden) {
                    out.add(childPath, () -> "is not a known property"
                            + (properties.isEmpty() ? "" : " (known: " + String.join(", ", properties.keySet()) + ")"));
                } else if (additional != null) {
                    additional.validate(e.getValue(), childPath, out);
                }
            }
            if (v.size() < minProperties) {
                out.add(p, () -> "must have at least " + minProperties + " properties");
            }
        }
    }

    private SchemaNode conditional(JsonNode schema, URI base, String where) {
        SchemaNode ifNode = compile(schema.get("if"), base, where + "/if");
        SchemaNode thenNode = schema.has("then") ? compile(schema.get("then"), base, where + "/then") : null;
        SchemaNode elseNode = schema.has("else") ? compile(schema.get("else"), base, where + "/else") : null;
        String because = describeCondition(schema.get("if"));
        return (v, p, out) -> {
            SchemaNode branch = ifNode.matches(v) ? thenNode : elseNode;
            if (branch == null) {
                return;
            }
            if (because == null || branch == elseNode || !out.collects()) {
                branch.validate(v, p, out);
                return;
            }
            List<Violation> inner = new ArrayList<>(0);
            branch.validate(v, p, Out.collecting(inner));
            for (Violation x : inner) {
                out.add(new Violation(x.path(), x.message() + " (because " + because + ")"));
            }
        };
    }

    /** "kind is RATING" for an {@code if} of the form {properties: {kind: {const: "RATING"}}, required: [kind]}. */
    private static String describeCondition(JsonNode ifSchema) {
        JsonNode props = ifSchema.get("properties");
        if (props == null || props.size() != 1) {
            return null;
        }
        Map.Entry<String, JsonNode> e = props.properties().iterator().next();
        JsonNode required = ifSchema.get("required");
        boolean onlyDiscriminatorRequired = required == null
                || (required.size() == 1 && required.get(0).asText().equals(e.getKey()));
        if (ifSchema.size() != (required == null ? 1 : 2) || !onlyDiscriminatorRequired) {
            return null;
        }
        JsonNode c = e.getValue().get("const");
        return c == null ? null : e.getKey() + " is " + c.asText();
    }

    private static SchemaNode anyOf(List<SchemaNode> alternatives) {
        SchemaNode[] alts = alternatives.toArray(SchemaNode[]::new);
        return (v, p, out) -> {
            if (!out.collects()) {
                for (SchemaNode alt : alts) {
                    if (alt.matches(v)) {
                        return;
                    }
                }
                out.add(p, () -> "matches none of the alternatives");
                return;
            }
            List<List<Violation>> failures = null;
            for (SchemaNode alt : alts) {
                List<Violation> scratch = new ArrayList<>(0);
                alt.validate(v, p, Out.collecting(scratch));
                if (scratch.isEmpty()) {
                    return;
                }
                if (failures == null) {
                    failures = new ArrayList<>(alts.length);
                }
                failures.add(scratch);
            }
            // Report the alternative that failed for a reason other than the value's type, if exactly one did:
            // for a nullable reference that is the referenced schema, which says what is really wrong.
            String here = p.toString();
            List<Violation> best = null;
            int candidates = 0;
            for (List<Violation> f : failures) {
                boolean typeOnly = f.size() == 1 && f.get(0).path().equals(here) && f.get(0).message().startsWith(TYPE_PREFIX);
                if (!typeOnly) {
                    best = f;
                    candidates++;
                }
            }
            if (candidates == 1) {
                best.forEach(out::add);
            } else {
                StringBuilder sb = new StringBuilder("must match at least one of ").append(alts.length).append(" alternatives: ");
                for (int i = 0; i < failures.size(); i++) {
                    sb.append(i == 0 ? "" : "; ").append(failures.get(i).get(0).message());
                }
                out.add(new Violation(here, sb.toString()));
            }
        };
    }

    private static SchemaNode oneOf(List<SchemaNode> alternatives, JsonNode arg) {
        SchemaNode[] alts = alternatives.toArray(SchemaNode[]::new);
        // oneOf over bare "required" lists reads as "exactly one of these properties".
        List<String> requiredOnly = new ArrayList<>();
        for (JsonNode alt : arg) {
            if (alt.size() == 1 && alt.has("required") && alt.get("required").size() == 1) {
                requiredOnly.add("'" + alt.get("required").get(0).asText() + "'");
            }
        }
        String what = requiredOnly.size() == alts.length
                ? "must have exactly one of " + String.join(", ", requiredOnly)
                : "must match exactly one of " + alts.length + " alternatives";
        return (v, p, out) -> {
            int matched = 0;
            for (SchemaNode alt : alts) {
                if (alt.matches(v)) {
                    matched++;
                }
            }
            if (matched != 1) {
                int n = matched;
                out.add(p, () -> what + " (" + (n == 0 ? "none" : n) + " present)");
            }
        };
    }

    static final String TYPE_PREFIX = "must be of type ";

    private static SchemaNode typeCheck(JsonNode arg, String at) {
        String expected = String.join(" or ", typeNames(arg));
        int allowed = typeMask(arg, at);
        return (v, p, out) -> {
            if (!hasAnyType(v, allowed)) {
                out.add(p, () -> TYPE_PREFIX + expected + ", got " + typeName(v));
            }
        };
    }

    /** The JSON Schema type names, in the order of their bits in a type mask ({@link StreamingNode#NULL} ...). */
    private static final List<String> TYPES = List.of("null", "boolean", "object", "array", "number", "integer", "string");

    private static List<String> typeNames(JsonNode arg) {
        List<String> types = new ArrayList<>();
        if (arg.isArray()) {
            arg.forEach(t -> types.add(t.asText()));
        } else {
            types.add(arg.asText());
        }
        return types;
    }

    /** The {@code type} keyword as a mask: bit {@code 1 << i} for {@code TYPES.get(i)}. */
    private static int typeMask(JsonNode arg, String at) {
        int mask = 0;
        for (String t : typeNames(arg)) {
            int bit = TYPES.indexOf(t);
            if (bit < 0) {
                throw new SchemaException("unknown type '" + t + "' at " + at);
            }
            mask |= 1 << bit;
        }
        return mask;
    }

    /** True if {@code v} has one of the types in {@code mask} ("integer" includes numbers such as 1.0). */
    private static boolean hasAnyType(JsonNode v, int mask) {
        return switch (v.getNodeType()) {
            case NULL -> (mask & StreamingNode.NULL) != 0;
            case BOOLEAN -> (mask & StreamingNode.BOOLEAN) != 0;
            case OBJECT -> (mask & StreamingNode.OBJECT) != 0;
            case ARRAY -> (mask & StreamingNode.ARRAY) != 0;
            case NUMBER -> (mask & StreamingNode.NUMBER) != 0 || ((mask & StreamingNode.INTEGER) != 0 && isInteger(v));
            case STRING -> (mask & StreamingNode.STRING) != 0;
            default -> false;
        };
    }

    private static boolean isInteger(JsonNode v) {
        if (v.isIntegralNumber()) {
            return true;
        }
        if (v.isNumber()) {
            BigDecimal d = v.decimalValue();
            return d.signum() == 0 || d.scale() <= 0 || d.stripTrailingZeros().scale() <= 0;
        }
        return false;
    }

    private static String typeName(JsonNode v) {
        if (v.isNull()) {
            return "null";
        } else if (v.isBoolean()) {
            return "boolean";
        } else if (v.isObject()) {
            return "object";
        } else if (v.isArray()) {
            return "array";
        } else if (v.isNumber()) {
            return isInteger(v) ? "integer " + v.asText() : "number " + v.asText();
        } else if (v.isTextual()) {
            return "string " + abbreviate(v);
        }
        return v.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    private static SchemaNode enumCheck(JsonNode arg, String at) {
        if (!arg.isArray() || arg.isEmpty()) {
            throw new SchemaException("enum at " + at + " must be a non-empty array");
        }
        List<JsonNode> values = new ArrayList<>();
        arg.forEach(values::add);
        List<String> shown = new ArrayList<>();
        values.forEach(x -> shown.add(x.isTextual() ? x.textValue() : x.toString()));
        return (v, p, out) -> {
            for (JsonNode allowed : values) {
                if (jsonEquals(v, allowed)) {
                    return;
                }
            }
            out.add(p, () -> "must be one of [" + String.join(", ", shown) + "], got " + abbreviate(v));
        };
    }

    private static SchemaNode boundCheck(String kw, JsonNode arg, String at) {
        if (!arg.isNumber()) {
            throw new SchemaException(kw + " at " + at + " must be a number");
        }
        BigDecimal bound = arg.decimalValue();
        // An integral bound that a double represents exactly compares with long and double values without BigDecimal.
        boolean exact = bound.stripTrailingZeros().scale() <= 0 && bound.abs().compareTo(MAX_EXACT_DOUBLE) <= 0;
        long integral = exact ? bound.longValueExact() : 0;
        String op = switch (kw) {
            case "minimum" -> ">=";
            case "maximum" -> "<=";
            case "exclusiveMinimum" -> ">";
            default -> "<";
        };
        return (v, p, out) -> {
            if (!v.isNumber()) {
                return;
            }
            int c = exact ? compare(v, integral, bound) : v.decimalValue().compareTo(bound);
            boolean ok = switch (op) {
                case ">=" -> c >= 0;
                case "<=" -> c <= 0;
                case ">" -> c > 0;
                default -> c < 0;
            };
            if (!ok) {
                out.add(p, () -> "must be " + op + " " + arg.asText() + ", got " + v.asText());
            }
        };
    }

    private static final BigDecimal MAX_EXACT_DOUBLE = BigDecimal.valueOf(1L << 53);

    /**
     * {@code v.decimalValue().compareTo(bound)} where {@code bound} equals {@code integral} and a double
     * holds it exactly. A double's decimal value (its shortest representation) lies on the same side of
     * such a bound as the double itself, so comparing the double is exact.
     */
    private static int compare(JsonNode v, long integral, BigDecimal bound) {
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            return Long.compare(v.longValue(), integral);
        }
        if (v.isDouble() || v.isFloat()) {
            double d = v.doubleValue();
            if (Double.isFinite(d)) {
                return d < integral ? -1 : d > integral ? 1 : 0;
            }
        }
        return v.decimalValue().compareTo(bound);
    }

    private static SchemaNode formatCheck(String format, String at) {
        if (!FORMATS.contains(format)) {
            throw new SchemaException("unsupported format '" + format + "' at " + at + " (supported: " + FORMATS + ")");
        }
        if (format.equals("date-time")) {
            return (v, p, out) -> {
                if (v.isTextual() && !isDateTime(v.textValue())) {
                    out.add(p, () -> "must be an RFC 3339 date-time such as 2026-11-25T06:42:21Z, got " + abbreviate(v));
                }
            };
        }
        return (v, p, out) -> {
            if (v.isTextual() && !isAbsoluteUri(v.textValue())) {
                out.add(p, () -> "must be an absolute URI such as https://host/path, got " + abbreviate(v));
            }
        };
    }

    /**
     * RFC 3339 date-time: {@code yyyy-mm-ddThh:mm:ss[.frac](Z|+hh:mm|-hh:mm)}, {@code T} and {@code Z}
     * in either case, real calendar dates, seconds 00-59 and offsets up to 18:00 (as {@link
     * OffsetDateTime} accepts them). Hand-written because every captured event carries several
     * timestamps and this runs for each one.
     */
    static boolean isDateTime(String s) {
        int n = s.length();
        if (n < 20 || !digits(s, 0, 4) || s.charAt(4) != '-' || !digits(s, 5, 2) || s.charAt(7) != '-' || !digits(s, 8, 2)
                || (s.charAt(10) != 'T' && s.charAt(10) != 't') || !digits(s, 11, 2) || s.charAt(13) != ':' || !digits(s, 14, 2)
                || s.charAt(16) != ':' || !digits(s, 17, 2)) {
            return false;
        }
        int i = 19;
        if (s.charAt(i) == '.') {
            int start = ++i;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
            }
            if (i == start) {
                return false;
            }
        }
        if (i >= n) {
            return false;
        }
        char z = s.charAt(i);
        if (z == 'Z' || z == 'z') {
            if (i + 1 != n) {
                return false;
            }
        } else if (z == '+' || z == '-') {
            if (i + 6 != n || !digits(s, i + 1, 2) || s.charAt(i + 3) != ':' || !digits(s, i + 4, 2)) {
                return false;
            }
            int oh = number(s, i + 1, 2);
            int om = number(s, i + 4, 2);
            if (om > 59 || oh > 18 || (oh == 18 && om > 0)) {
                return false;
            }
        } else {
            return false;
        }
        int year = number(s, 0, 4);
        int month = number(s, 5, 2);
        int day = number(s, 8, 2);
        if (month < 1 || month > 12 || day < 1 || day > java.time.YearMonth.of(year, month).lengthOfMonth()) {
            return false;
        }
        return number(s, 11, 2) <= 23 && number(s, 14, 2) <= 59 && number(s, 17, 2) <= 59;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean digits(String s, int from, int count) {
        for (int i = from; i < from + count; i++) {
            if (!isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static int number(String s, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            v = v * 10 + (s.charAt(i) - '0');
        }
        return v;
    }

    static boolean isAbsoluteUri(String s) {
        try {
            URI uri = new URI(s);
            return uri.isAbsolute();
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /** JSON equality, where numbers compare by value (1 equals 1.0). */
    static boolean jsonEquals(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            if (a.isIntegralNumber() && b.isIntegralNumber() && a.canConvertToLong() && b.canConvertToLong()) {
                return a.longValue() == b.longValue();
            }
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        return a.equals(b);
    }

    private static int intArg(JsonNode arg, String at) {
        if (!arg.canConvertToInt() || arg.intValue() < 0) {
            throw new SchemaException(at + " must be a non-negative integer");
        }
        return arg.intValue();
    }

    private static int codePoints(String s) {
        return s.codePointCount(0, s.length());
    }

    static String escape(String name) {
        return name.indexOf('~') < 0 && name.indexOf('/') < 0 ? name : name.replace("~", "~0").replace("/", "~1");
    }

    static String abbreviate(JsonNode v) {
        String s = v.toString();
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
