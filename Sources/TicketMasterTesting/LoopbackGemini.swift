import Foundation
import LanguageModels

/// A fake Gemini API on loopback that speaks the documented wire format: `:generateContent`,
/// `:streamGenerateContent?alt=sse`, `:countTokens` and `/v1beta/models`, authenticated by `x-goog-api-key`.
///
/// It answers a missing key with 403 `PERMISSION_DENIED` and a wrong one with 400 `INVALID_ARGUMENT` /
/// `API_KEY_INVALID`, as Gemini does, and rejects a `responseSchema` that is not in Gemini's dialect (lower-case
/// types, `additionalProperties`) or lacks `responseMimeType: application/json`. Replies are ``reply``, or a filler
/// instance of the schema, cut to `maxOutputTokens` words with `finishReason: MAX_TOKENS`.
public final class LoopbackGemini: Sendable {
    /// The server; inject faults through it.
    public let server: LoopbackServer
    /// The key requests must carry.
    public let apiKey: String
    /// The models served.
    public let models: [String]

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { server.baseURL }

    /// Starts the fake.
    public static func start(
        apiKey: String = "AIzaSy-loopback-test-key-0123456789", models: [String] = ["gemini-2.0-flash"],
        reply: String = "Loopback Gemini answers in plain words."
    ) async throws -> LoopbackGemini {
        let server = try await LoopbackServer.start { request in
            Self.answer(request, apiKey: apiKey, models: models, reply: reply)
        }
        return LoopbackGemini(server: server, apiKey: apiKey, models: models)
    }

    private init(server: LoopbackServer, apiKey: String, models: [String]) {
        self.server = server
        self.apiKey = apiKey
        self.models = models
    }

    /// Stops the server.
    public func shutdown() async { await server.shutdown() }

    private static func answer(
        _ request: LoopbackRequest, apiKey: String, models: [String], reply: String
    )
        -> LoopbackResponse
    {
        guard let key = request.headers["x-goog-api-key"] else {
            return error(
                403, "PERMISSION_DENIED",
                "Method doesn't allow unregistered callers (callers without established identity). Please use API "
                    + "Key or other form of API consumer identity to call this API.")
        }
        guard key == apiKey else {
            return error(
                400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", reason: "API_KEY_INVALID")
        }
        if request.method == "GET" && request.path == "/v1beta/models" {
            return .json([
                "models": .array(
                    models.map {
                        [
                            "name": .string("models/" + $0), "displayName": .string($0), "inputTokenLimit": 1_048_576,
                            "outputTokenLimit": 8192, "supportedGenerationMethods": ["generateContent", "countTokens"],
                        ]
                    })
            ])
        }
        let prefix = "/v1beta/models/"
        guard request.method == "POST", request.path.hasPrefix(prefix),
            let colon = request.path.lastIndex(of: ":")
        else { return error(404, "NOT_FOUND", "Requested entity was not found.") }
        let model = String(request.path[request.path.index(request.path.startIndex, offsetBy: prefix.count)..<colon])
        let method = String(request.path[request.path.index(after: colon)...])
        guard models.contains(model) else {
            return error(
                404, "NOT_FOUND",
                "models/\(model) is not found for API version v1beta, or is not supported for \(method).")
        }
        guard let body = request.json, let contents = body["contents"]?.arrayValue, !contents.isEmpty else {
            return error(400, "INVALID_ARGUMENT", "* GenerateContentRequest.contents: contents is not specified")
        }
        let promptWords = contents.flatMap { $0["parts"]?.arrayValue ?? [] }.compactMap { $0["text"]?.stringValue }
            .reduce(0) { $0 + $1.split(separator: " ").count }
        switch method {
        case "countTokens":
            return .json(["totalTokens": .number(Double(promptWords))])
        case "generateContent", "streamGenerateContent":
            return generate(
                body, model: model, promptWords: promptWords, reply: reply, stream: method != "generateContent")
        default:
            return error(404, "NOT_FOUND", "Requested entity was not found.")
        }
    }

    private static func generate(
        _ body: JSONValue, model: String, promptWords: Int, reply: String, stream: Bool
    )
        -> LoopbackResponse
    {
        let config = body["generationConfig"] ?? [:]
        var content = reply
        if let schema = config["responseSchema"] {
            if let problem = dialectProblem(schema) { return error(400, "INVALID_ARGUMENT", problem) }
            guard config["responseMimeType"]?.stringValue == "application/json" else {
                return error(
                    400, "INVALID_ARGUMENT",
                    "response_mime_type must be application/json when response_schema is set.")
            }
            content = LoopbackExample.value(for: schema).jsonText
        }
        var words = content.split(separator: " ").map(String.init)
        var finish = "STOP"
        if let limit = config["maxOutputTokens"]?.numberValue.map(Int.init), words.count > limit {
            words = Array(words.prefix(limit))
            finish = "MAX_TOKENS"
        }
        func response(_ text: String, finish: String?, usage: Bool) -> JSONValue {
            var candidate: JSONObject = [
                "content": ["parts": [["text": .string(text)]], "role": "model"], "index": 0,
            ]
            candidate["finishReason"] = finish.map(JSONValue.string)
            var object: JSONObject = ["candidates": [.object(candidate)], "modelVersion": .string(model)]
            if usage {
                object["usageMetadata"] = [
                    "promptTokenCount": .number(Double(promptWords)),
                    "candidatesTokenCount": .number(Double(words.count)),
                    "totalTokenCount": .number(Double(promptWords + words.count)),
                ]
            }
            return .object(object)
        }
        guard stream else { return .json(response(words.joined(separator: " "), finish: finish, usage: true)) }
        let events = words.enumerated().map { index, word in
            let isLast = index == words.count - 1
            return response(index == 0 ? word : " " + word, finish: isLast ? finish : nil, usage: isLast)
        }
        return .events(events)
    }

    /// Why `schema` is not in Gemini's OpenAPI dialect, if it is not.
    private static func dialectProblem(_ schema: JSONValue) -> String? {
        guard case .object(let members) = schema else { return "response_schema must be an object" }
        if members["additionalProperties"] != nil {
            return "Invalid JSON payload received. Unknown name \"additionalProperties\" at "
                + "'generation_config.response_schema': Cannot find field."
        }
        if let type = members["type"]?.stringValue, type != type.uppercased() {
            return "Invalid value at 'generation_config.response_schema.type' (type.googleapis.com/google.ai."
                + "generativelanguage.v1beta.Type), \"\(type)\""
        }
        for nested
            in (members["properties"].flatMap { value -> [JSONValue]? in
                if case .object(let properties) = value { return properties.orderedValues }
                return nil
            } ?? []) + [members["items"]].compactMap({ $0 })
        {
            if let problem = dialectProblem(nested) { return problem }
        }
        return nil
    }

    private static func error(
        _ code: Int, _ status: String, _ message: String, reason: String? = nil
    )
        -> LoopbackResponse
    {
        var error: JSONObject = [
            "code": .number(Double(code)), "message": .string(message), "status": .string(status),
        ]
        if let reason {
            error["details"] = [
                [
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": .string(reason),
                    "domain": "googleapis.com",
                    "metadata": ["service": "generativelanguage.googleapis.com"],
                ]
            ]
        }
        return .json(["error": .object(error)], status: code)
    }
}
