package dev.feedloop.contracts.spi;

/**
 * A tiny test SPI for {@link PluginRegistryTest}: a {@link Widget} plugin and providers of it. The
 * providers are public with public no-argument constructors, as {@link java.util.ServiceLoader}
 * requires, and are listed per test in a temporary {@code META-INF/services} file.
 */
public final class Widgets {
    private Widgets() {}

    /** The plugin. */
    public interface Widget extends Plugin {}

    /** The provider interface the registry is loaded for. */
    public interface WidgetProvider extends PluginProvider<Widget> {}

    /** Base class: a provider with a fixed name. */
    abstract static class Named implements WidgetProvider {
        private final String name;

        Named(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Widget create(PluginContext context) {
            return new Widget() {};
        }
    }

    /** Named {@code alpha}. */
    public static final class Alpha extends Named {
        public Alpha() {
            super("alpha");
        }
    }

    /** Named {@code beta}. */
    public static final class Beta extends Named {
        public Beta() {
            super("beta");
        }
    }

    /** Also named {@code alpha}, clashing with {@link Alpha}. */
    public static final class OtherAlpha extends Named {
        public OtherAlpha() {
            super("alpha");
        }
    }

    /** Named {@code Bad_Name}, which is not a valid plugin name. */
    public static final class BadName extends Named {
        public BadName() {
            super("Bad_Name");
        }
    }
}
