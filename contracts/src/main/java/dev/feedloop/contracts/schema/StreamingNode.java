package dev.feedloop.contracts.schema;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.FloatNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One compiled schema object, which checks a value either as a tree ({@link #validate}, the reference)
 * or as its tokens go by ({@link #accepts}), without building the tree.
 *
 * <p><b>Streaming.</b> A scalar is turned into the one node the tree would hold and checked by the tree
 * check, so every keyword means exactly the same. Objects and arrays are walked token by token where
 * the keywords allow it: {@code type}, {@code properties}, {@code required}, {@code
 * additionalProperties}, {@code minProperties}, {@code items}, {@code minItems}, {@code maxItems}, a
 * lone {@code $ref}, {@code anyOf}/{@code oneOf} over bare {@code required} lists (decided by the names
 * present), and {@code anyOf}/{@code oneOf} where the value's type leaves one alternative (a nullable
 * reference). Any other keyword that can apply to an object or array ({@code allOf}, {@code not},
 * {@code if}, {@code uniqueItems}, ...) makes that value be read as a tree and checked as one. A
 * duplicate property name makes the streaming check give up (the tree keeps the last value only, so
 * the verdicts could differ).
 */
final class StreamingNode implements SchemaNode {
    static final int NULL = 1;
    static final int BOOLEAN = 1 << 1;
    static final int OBJECT = 1 << 2;
    static final int ARRAY = 1 << 3;
    static final int NUMBER = 1 << 4;
    static final int INTEGER = 1 << 5;
    static final int STRING = 1 << 6;
    static final int ANY = NULL | BOOLEAN | OBJECT | ARRAY | NUMBER | INTEGER | STRING;

    private static final ObjectMapper TREES = new ObjectMapper();

    /** How an object or array value is checked. */
    private enum Containers {
        /** No keyword applies to objects and arrays beyond {@code type}. */
        FREE,
        /** No object or array satisfies the schema (a scalar {@code enum} or {@code const}, or {@code false}). */
        NONE,
        /** Read the value as a tree and check that. */
        TREE,
        /** The lone {@code $ref} decides. */
        REF,
        /** Of the alternatives of an {@code anyOf}/{@code oneOf}, the only one the value's type allows decides. */
        DISPATCH,
        /** Walk the object ({@link ObjectPlan}) or array ({@link ArrayPlan}). */
        WALK
    }

    /** How a scalar value is checked. */
    private enum Scalars {
        /** By its type, unless a keyword needs the value ({@code needs}): then by the tree check of its node. */
        TYPE,
        /** The lone {@code $ref} decides. */
        REF,
        /** Of the alternatives of an {@code anyOf}/{@code oneOf}, the only one the value's type allows decides. */
        DISPATCH,
        /** The tree check of its node decides. */
        TREE
    }

    private final SchemaNode check;
    private final int types;
    private final int needs;
    private final Scalars scalars;
    private final SchemaNode[] scalarAlternatives;
    private final Containers containers;
    private final ObjectPlan object;
    private final ArrayPlan array;
    private final SchemaNode ref;
    private final SchemaNode objectAlternative;
    private final SchemaNode arrayAlternative;

    private StreamingNode(SchemaNode check, Plan plan) {
        this.check = check;
        this.types = plan.types;
        this.ref = plan.ref;
        ObjectPlan o = null;
        ArrayPlan a = null;
        SchemaNode objectAlt = null;
        SchemaNode arrayAlt = null;
        Containers c;
        if (plan.none) {
            c = Containers.NONE;
        } else if (plan.tree) {
            c = Containers.TREE;
        } else if (plan.ref != null) {
            c = plan.objectKeywords == null && !plan.arrayKeywords && plan.choices.isEmpty() && plan.dispatches.isEmpty()
                    ? Containers.REF : Containers.TREE;
        } else if (!plan.dispatches.isEmpty()) {
            c = plan.dispatches.size() == 1 && plan.objectKeywords == null && !plan.arrayKeywords && plan.choices.isEmpty()
                    ? Containers.DISPATCH : Containers.TREE;
            if (c == Containers.DISPATCH) {
                objectAlt = plan.dispatches.get(0).only(OBJECT);
                arrayAlt = plan.dispatches.get(0).only(ARRAY);
            }
        } else if (plan.objectKeywords != null || plan.arrayKeywords || !plan.choices.isEmpty()) {
            o = ObjectPlan.of(plan.objectKeywords, plan.choices);
            a = plan.choices.isEmpty() && !plan.arrayTree ? new ArrayPlan(plan.items, plan.minItems, plan.maxItems) : null;
            c = o == null ? Containers.TREE : Containers.WALK;
        } else {
            c = Containers.FREE;
        }
        this.containers = c;
        int n = plan.needs;
        if (plan.tree || plan.none || !plan.choices.isEmpty()) {
            n = ANY;
        }
        Scalars sc;
        SchemaNode[] alternatives = null;
        if (n == 0 && plan.ref != null && plan.dispatches.isEmpty()) {
            sc = Scalars.REF;
        } else if (n == 0 && plan.ref == null && plan.dispatches.size() == 1) {
            sc = Scalars.DISPATCH;
            alternatives = new SchemaNode[STRING + 1];
            for (int type : new int[] {NULL, BOOLEAN, NUMBER, STRING}) {
                alternatives[type] = plan.dispatches.get(0).only(type == NUMBER ? NUMBER | INTEGER : type);
            }
        } else if (plan.ref != null || !plan.dispatches.isEmpty()) {
            sc = Scalars.TREE;
        } else {
            sc = Scalars.TYPE;
        }
        this.needs = n;
        this.scalars = sc;
        this.scalarAlternatives = alternatives;
        this.object = o;
        this.array = a;
        this.objectAlternative = objectAlt;
        this.arrayAlternative = arrayAlt;
    }

    /** The node for a schema object whose keywords {@code plan} collected and whose tree check is {@code check}. */
    static StreamingNode of(SchemaNode check, Plan plan) {
        return new StreamingNode(check, plan);
    }

    @Override
    public void validate(JsonNode value, Pointer path, Out out) {
        check.validate(value, path, out);
    }

    /**
     * Checks the value that starts at the parser's current token, and leaves the parser on its last
     * token (or anywhere, once it returned false).
     *
     * @return true if the value satisfies the schema; false if it does not, or if this check cannot tell
     */
    boolean accepts(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
            boolean isObject = t == JsonToken.START_OBJECT;
            if ((types & (isObject ? OBJECT : ARRAY)) == 0) {
                return false;
            }
            return switch (containers) {
                case FREE -> {
                    p.skipChildren();
                    yield true;
                }
                case NONE -> false;
                case TREE -> matchesTree(p);
                case REF -> streaming(((SchemaRegistry.RefNode) ref).target()).accepts(p);
                case DISPATCH -> {
                    SchemaNode alternative = isObject ? objectAlternative : arrayAlternative;
                    yield alternative == null ? false
                            : alternative == Dispatch.SEVERAL ? matchesTree(p)
                            : streaming(alternative).accepts(p);
                }
                case WALK -> isObject ? object.accepts(p) : array != null ? array.accepts(p) : matchesTree(p);
            };
        }
        int type = switch (t) {
            case VALUE_STRING -> STRING;
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> NUMBER;
            case VALUE_TRUE, VALUE_FALSE -> BOOLEAN;
            case VALUE_NULL -> NULL;
            default -> 0;
        };
        if ((types & (type == NUMBER ? NUMBER | INTEGER : type)) == 0) {
            return false;
        }
        return switch (scalars) {
            case TYPE -> (needs & type) == 0 && (t != JsonToken.VALUE_NUMBER_FLOAT || (types & NUMBER) != 0) || matchesScalar(p, t);
            case REF -> streaming(((SchemaRegistry.RefNode) ref).target()).accepts(p);
            case DISPATCH -> {
                SchemaNode alternative = scalarAlternatives[type];
                yield alternative == null ? false
                        : alternative == Dispatch.SEVERAL ? matchesScalar(p, t)
                        : streaming(alternative).accepts(p);
            }
            case TREE -> matchesScalar(p, t);
        };
    }

    private boolean matchesScalar(JsonParser p, JsonToken t) throws IOException {
        JsonNode scalar = scalar(p, t);
        return scalar != null && check.matches(scalar);
    }

    /** Reads the value as a tree, as Jackson's default tree model does, and checks that. */
    private boolean matchesTree(JsonParser p) throws IOException {
        return check.matches(TREES.readTree(p));
    }

    /** The streaming node behind a compiled node (references resolved). */
    static StreamingNode streaming(SchemaNode node) {
        SchemaNode n = node;
        while (n instanceof SchemaRegistry.RefNode r) {
            n = r.target();
        }
        return (StreamingNode) n;
    }

    /**
     * The node Jackson's tree model makes of a scalar token (as {@code JsonNodeDeserializer} does with
     * default features), or null for one this check does not read (big decimals, embedded objects).
     */
    private static JsonNode scalar(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case VALUE_STRING -> TextNode.valueOf(p.getText());
            case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                case INT -> IntNode.valueOf(p.getIntValue());
                case LONG -> LongNode.valueOf(p.getLongValue());
                default -> BigIntegerNode.valueOf(p.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> switch (p.getNumberTypeFP()) {
                case BIG_DECIMAL -> null;
                case FLOAT32 -> FloatNode.valueOf(p.getFloatValue());
                default -> DoubleNode.valueOf(p.getDoubleValue());
            };
            case VALUE_TRUE -> BooleanNode.TRUE;
            case VALUE_FALSE -> BooleanNode.FALSE;
            case VALUE_NULL -> NullNode.getInstance();
            default -> null;
        };
    }

    /** The keywords of one schema object, as far as streaming cares; filled while it is compiled. */
    static final class Plan {
        private int types = ANY;
        private int needs;
        private boolean none;
        private boolean tree;
        private SchemaNode ref;
        private ObjectKeywords objectKeywords;
        private boolean arrayKeywords;
        private boolean arrayTree;
        private SchemaNode items;
        private int minItems;
        private int maxItems = Integer.MAX_VALUE;
        private final List<RequiredChoice> choices = new ArrayList<>();
        private final List<Dispatch> dispatches = new ArrayList<>();

        /** {@code type}, as a mask of the constants above. */
        void types(int mask) {
            types = mask;
        }

        /**
         * A keyword that checks the value of scalars of these types (a mask of the constants above; a
         * keyword on numbers names {@code NUMBER}), not only their type.
         */
        void needs(int scalarTypes) {
            needs |= scalarTypes;
        }

        /** A schema no value satisfies ({@code false}). */
        void nothing() {
            none = true;
        }

        /** {@code enum} or {@code const}: containers can only match if one of the values is one. */
        void values(List<JsonNode> values) {
            needs = ANY;
            if (values.stream().allMatch(JsonNode::isValueNode)) {
                none = true;
            } else {
                tree = true;
            }
        }

        /** A keyword that needs the whole value as a tree when it is an object or array. */
        void tree() {
            tree = true;
        }

        void ref(SchemaNode node) {
            if (ref != null) {
                tree = true;
            }
            ref = node;
        }

        void object(ObjectKeywords keywords) {
            objectKeywords = keywords;
        }

        void items(SchemaNode node) {
            arrayKeywords = true;
            items = node;
        }

        /** A keyword that needs an array value as a tree ({@code uniqueItems}). */
        void arrayTree() {
            arrayKeywords = true;
            arrayTree = true;
        }

        void minItems(int min) {
            arrayKeywords = true;
            minItems = min;
        }

        void maxItems(int max) {
            arrayKeywords = true;
            maxItems = max;
        }

        /**
         * {@code anyOf} or {@code oneOf}: decided by the names present if every alternative is a bare
         * {@code required} list, by the value's type if that leaves one alternative, else as a tree.
         */
        void choice(boolean exactlyOne, JsonNode alternatives, List<SchemaNode> compiled, Set<String> annotations) {
            List<List<String>> required = new ArrayList<>();
            for (JsonNode alt : alternatives) {
                List<String> names = requiredOnly(alt, annotations);
                if (names == null) {
                    required = null;
                    break;
                }
                required.add(names);
            }
            if (required != null) {
                choices.add(new RequiredChoice(exactlyOne, required));
            } else {
                dispatches.add(new Dispatch(compiled));
            }
        }

        /** The names of a schema that only says {@code required} (annotations aside), else null. */
        private static List<String> requiredOnly(JsonNode schema, Set<String> annotations) {
            if (!schema.isObject() || !schema.has("required")) {
                return null;
            }
            List<String> names = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : schema.properties()) {
                if (e.getKey().equals("required")) {
                    for (JsonNode n : e.getValue()) {
                        names.add(n.asText());
                    }
                } else if (!annotations.contains(e.getKey())) {
                    return null;
                }
            }
            return names;
        }
    }

    /** What {@code properties}, {@code required}, {@code additionalProperties} and {@code minProperties} say. */
    record ObjectKeywords(Map<String, SchemaNode> properties, List<String> required, SchemaNode additional,
            boolean additionalForbidden, int minProperties) {}

    /** An {@code anyOf} ({@code exactlyOne} false) or {@code oneOf} over bare {@code required} lists. */
    private record RequiredChoice(boolean exactlyOne, List<List<String>> alternatives) {}

    /** An {@code anyOf}/{@code oneOf} whose alternatives may be told apart by the value's type. */
    private record Dispatch(List<SchemaNode> alternatives) {
        /** Marks a type that several alternatives allow. */
        static final SchemaNode SEVERAL = (v, p, out) -> { };

        /**
         * The one alternative that allows values of {@code type} (only its own {@code type} is looked
         * at: a reference allows anything here), null if none does, {@link #SEVERAL} if more than one.
         */
        SchemaNode only(int type) {
            SchemaNode found = null;
            for (SchemaNode alt : alternatives) {
                if (!(alt instanceof StreamingNode s) || (s.types & type) != 0) {
                    if (found != null) {
                        return SEVERAL;
                    }
                    found = alt;
                }
            }
            return found;
        }
    }

    /** Walks an object: each property by its schema, then the required names, minProperties and required choices. */
    private static final class ObjectPlan {
        private final Map<String, Property> byName;
        private final long required;
        private final SchemaNode additional;
        private final boolean additionalForbidden;
        private final int minProperties;
        private final long[][] choices;
        private final boolean[] exactlyOne;

        /** A property name the schema mentions: its bit, and its schema (null if only required). */
        private record Property(long bit, StreamingNode node) {}

        private ObjectPlan(Map<String, Property> byName, long required, SchemaNode additional, boolean additionalForbidden,
                int minProperties, long[][] choices, boolean[] exactlyOne) {
            this.byName = byName;
            this.required = required;
            this.additional = additional;
            this.additionalForbidden = additionalForbidden;
            this.minProperties = minProperties;
            this.choices = choices;
            this.exactlyOne = exactlyOne;
        }

        /** The plan, or null if the schema names more properties than fit in a bit mask. */
        static ObjectPlan of(ObjectKeywords keywords, List<RequiredChoice> requiredChoices) {
            Map<String, SchemaNode> properties = keywords == null ? Map.of() : keywords.properties();
            List<String> names = new ArrayList<>(properties.keySet());
            List<String> required = keywords == null ? List.of() : keywords.required();
            for (String name : required) {
                if (!names.contains(name)) {
                    names.add(name);
                }
            }
            for (RequiredChoice c : requiredChoices) {
                c.alternatives().forEach(alt -> alt.stream().filter(n -> !names.contains(n)).forEach(names::add));
            }
            if (names.size() > Long.SIZE) {
                return null;
            }
            Map<String, Property> byName = new HashMap<>();
            for (int i = 0; i < names.size(); i++) {
                SchemaNode node = properties.get(names.get(i));
                if (node != null && !(node instanceof StreamingNode)) {
                    return null;
                }
                byName.put(names.get(i), new Property(1L << i, (StreamingNode) node));
            }
            long[][] choices = new long[requiredChoices.size()][];
            boolean[] exactlyOne = new boolean[requiredChoices.size()];
            for (int c = 0; c < choices.length; c++) {
                List<List<String>> alts = requiredChoices.get(c).alternatives();
                choices[c] = new long[alts.size()];
                for (int a = 0; a < alts.size(); a++) {
                    choices[c][a] = mask(byName, alts.get(a));
                }
                exactlyOne[c] = requiredChoices.get(c).exactlyOne();
            }
            return new ObjectPlan(byName, mask(byName, required), keywords == null ? null : keywords.additional(),
                    keywords != null && keywords.additionalForbidden(), keywords == null ? 0 : keywords.minProperties(), choices,
                    exactlyOne);
        }

        private static long mask(Map<String, Property> byName, List<String> names) {
            long m = 0;
            for (String n : names) {
                m |= byName.get(n).bit();
            }
            return m;
        }

        boolean accepts(JsonParser p) throws IOException {
            long seen = 0;
            int count = 0;
            Set<String> others = null;
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                if (t != JsonToken.FIELD_NAME) {
                    return false;
                }
                String name = p.currentName();
                p.nextToken();
                count++;
                Property prop = byName.get(name);
                if (prop != null) {
                    if ((seen & prop.bit()) != 0) {
                        return false; // a duplicate name: the tree keeps only the last value
                    }
                    seen |= prop.bit();
                }
                if (prop != null && prop.node() != null) {
                    if (!prop.node().accepts(p)) {
                        return false;
                    }
                } else if (additionalForbidden) {
                    return false;
                } else {
                    if (others == null) {
                        others = new HashSet<>();
                    }
                    if (!others.add(name)) {
                        return false;
                    }
                    if (additional == null) {
                        p.skipChildren();
                    } else if (!streaming(additional).accepts(p)) {
                        return false;
                    }
                }
            }
            if ((seen & required) != required || count < minProperties) {
                return false;
            }
            for (int c = 0; c < choices.length; c++) {
                int matched = 0;
                for (long alt : choices[c]) {
                    if ((seen & alt) == alt) {
                        matched++;
                    }
                }
                if (exactlyOne[c] ? matched != 1 : matched == 0) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Walks an array: each item by the items schema, then minItems and maxItems. */
    private record ArrayPlan(SchemaNode items, int minItems, int maxItems) {
        boolean accepts(JsonParser p) throws IOException {
            StreamingNode each = items == null ? null : streaming(items);
            int n = 0;
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                if (t == null) {
                    return false;
                }
                if (each == null) {
                    p.skipChildren();
                } else if (!each.accepts(p)) {
                    return false;
                }
                n++;
            }
            return n >= minItems && n <= maxItems;
        }
    }
}
