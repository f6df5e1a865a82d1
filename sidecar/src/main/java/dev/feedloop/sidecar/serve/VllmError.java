package dev.feedloop.sidecar.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An error answered in vLLM's (current) shape:
 * {@code {"error":{"message":"...","type":"NotFoundError","param":"model","code":404}}}, with the HTTP
 * status equal to {@code code}.
 */
public final class VllmError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int status;
    private final String type;
    private final String param;

    public VllmError(int status, String type, String param, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
    }

    /** 400 BadRequestError. */
    public static VllmError badRequest(String message) {
        return new VllmError(400, "BadRequestError", null, message);
    }

    /** 400 BadRequestError about one parameter. */
    public static VllmError badRequest(String param, String message) {
        return new VllmError(400, "BadRequestError", param, message);
    }

    /** 404 NotFoundError. */
    public static VllmError notFound(String param, String message) {
        return new VllmError(404, "NotFoundError", param, message);
    }

    /** HTTP status. */
    public int status() {
        return status;
    }

    /** The JSON body. */
    public String body() {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode e = root.putObject("error");
        e.put("message", getMessage());
        e.put("type", type);
        if (param == null) {
            e.putNull("param");
        } else {
            e.put("param", param);
        }
        e.put("code", status);
        return root.toString();
    }
}
