package dev.feedloop.adapterstore;

import java.util.regex.Pattern;

/**
 * The names the store accepts: adapter names (the public alias) and the relative paths of files inside an
 * adapter directory.
 *
 * <p>A relative path is what the {@code adapter-release.v1} schema allows, made canonical: one or more
 * {@code /}-separated segments of {@code A-Z a-z 0-9 . _ -}, none empty, {@code .} or {@code ..}. Such a path
 * can never leave the directory it is resolved against, means the same on every file system, and needs no
 * escaping in a URL.
 */
final class AdapterPaths {
    /** The alias pattern of {@code common.v1.json}: an adapter family name. */
    static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9._-]{0,62}$");

    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]+");

    private AdapterPaths() {}

    /** Whether {@code name} is a valid adapter name. */
    static boolean isName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /**
     * Why {@code path} is not a canonical relative path, or null if it is one.
     *
     * @param path a path as a release or a source directory names it
     * @return a short reason, e.g. {@code "it has a '..' segment"}, or null
     */
    static String problem(String path) {
        if (path == null || path.isEmpty()) {
            return "it is empty";
        }
        if (path.startsWith("/")) {
            return "it is absolute";
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty()) {
                return "it has an empty segment";
            }
            if (segment.equals(".") || segment.equals("..")) {
                return "it has a '" + segment + "' segment";
            }
            if (!SEGMENT.matcher(segment).matches()) {
                return "it has a character other than A-Z a-z 0-9 . _ - and /";
            }
        }
        return null;
    }
}
