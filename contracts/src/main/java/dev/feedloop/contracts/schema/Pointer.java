package dev.feedloop.contracts.schema;

/**
 * Where the validator is in a document: a JSON Pointer (RFC 6901) kept as a link to its parent, so
 * that walking a valid document costs one small object per value instead of one string, and the
 * pointer's text is only built for a violation.
 */
final class Pointer {
    /** The document itself ({@code ""}). */
    static final Pointer ROOT = new Pointer(null, null, -1);

    private final Pointer parent;
    private final String name;
    private final int index;

    private Pointer(Pointer parent, String name, int index) {
        this.parent = parent;
        this.name = name;
        this.index = index;
    }

    /** The pointer to property {@code name} of the object here. */
    Pointer property(String name) {
        return new Pointer(this, name, -1);
    }

    /** The pointer to item {@code index} of the array here. */
    Pointer item(int index) {
        return new Pointer(this, null, index);
    }

    /** The pointer as text, e.g. {@code /choices/0/text}; names are escaped ({@code ~0}, {@code ~1}). */
    @Override
    public String toString() {
        if (parent == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(32);
        append(sb);
        return sb.toString();
    }

    private void append(StringBuilder sb) {
        if (parent == null) {
            return;
        }
        parent.append(sb);
        sb.append('/');
        if (name != null) {
            sb.append(SchemaRegistry.escape(name));
        } else {
            sb.append(index);
        }
    }
}
