package dev.feedloop.contracts.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.feedloop.contracts.event.EventType;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/** networknt's JSON Schema implementation over the same schema files: the independent oracle. */
public final class IndependentValidator {
    private static final Map<EventType, com.networknt.schema.JsonSchema> SCHEMAS = new EnumMap<>(EventType.class);

    static {
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
                b -> b.schemaMappers(m -> m.mapPrefix(SchemaRegistry.BASE_URI, "classpath:schemas/")));
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
        for (EventType t : EventType.values()) {
            SCHEMAS.put(t, factory.getSchema(SchemaLocation.of(t.schemaId()), config));
        }
    }

    private IndependentValidator() {}

    /** The independent implementation's violations, empty when valid. */
    public static Set<ValidationMessage> validate(EventType type, JsonNode doc) {
        return SCHEMAS.get(type).validate(doc);
    }
}
