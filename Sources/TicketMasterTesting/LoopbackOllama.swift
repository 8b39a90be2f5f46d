import Foundation
import LanguageModels
import Synchronization

/// A fake Ollama on loopback that speaks Ollama's documented wire format (`docs/api.md`): `/api/chat` with
/// NDJSON streaming and `format` schemas, `/api/tags`, `/api/show`, `/api/pull` with streamed progress,
/// `/api/embed` and `/api/version`.
///
/// Ollama cannot be installed here, so its client is tested against this instead. It generates no prose: chat
/// answers with ``reply`` (or, for a `format` schema, a filler instance of it), cut to `num_predict` words with
/// `done_reason: "length"` when that is smaller — one word counts as one token.
public final class LoopbackOllama: Sendable {
    /// The server; inject faults through it.
    public let server: LoopbackServer
    /// The canned chat reply.
    public let reply: String
    private let pulled: Models

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { server.baseURL }

    /// The models pulled so far, `name:tag`.
    public var models: [String] { pulled.names.withLock { $0 } }

    /// Starts the fake with these models already pulled; `pullable` names what `/api/pull` can fetch.
    public static func start(
        models: [String] = ["llama3.2:latest"], pullable: [String] = ["qwen2.5:0.5b"],
        reply: String = "Loopback Ollama says hello in a few plain words."
    ) async throws -> LoopbackOllama {
        let pulled = Models(models)
        let server = try await LoopbackServer.start { request in
            await Self.answer(request, pulled: pulled, pullable: pullable, reply: reply)
        }
        return LoopbackOllama(server: server, reply: reply, pulled: pulled)
    }

    private init(server: LoopbackServer, reply: String, pulled: Models) {
        self.server = server
        self.reply = reply
        self.pulled = pulled
    }

    /// Stops the server.
    public func shutdown() async { await server.shutdown() }

    private static func answer(
        _ request: LoopbackRequest, pulled: Models, pullable: [String], reply: String
    ) async -> LoopbackResponse {
        let body = request.json ?? [:]
        switch (request.method, request.path) {
        case ("GET", "/api/version"):
            return .json(["version": "0.5.7"])
        case ("GET", "/api/tags"):
            return .json(["models": .array(pulled.names.withLock { $0 }.map(tag))])
        case ("POST", "/api/show"):
            guard let name = body["model"]?.stringValue, pulled.contains(name) else {
                return .json(["error": "model '\(body["model"]?.stringValue ?? "")' not found"], status: 404)
            }
            return .json([
                "modelfile": "FROM \(name)", "parameters": "", "template": "{{ .Prompt }}",
                "details": details, "model_info": ["llama.context_length": 131072, "general.architecture": "llama"],
            ])
        case ("POST", "/api/chat"):
            return chat(body, pulled: pulled, reply: reply)
        case ("POST", "/api/pull"):
            return pull(body, pulled: pulled, pullable: pullable)
        case ("POST", "/api/embed"):
            guard let name = body["model"]?.stringValue, pulled.contains(name) else {
                return .json(["error": "model \"\(body["model"]?.stringValue ?? "")\" not found"], status: 404)
            }
            let inputs = body["input"]?.arrayValue?.compactMap(\.stringValue) ?? [body["input"]?.stringValue ?? ""]
            return .json([
                "model": .string(name), "embeddings": .array(inputs.map(embedding)), "total_duration": 14143917,
                "load_duration": 1019500, "prompt_eval_count": .number(Double(inputs.count * 4)),
            ])
        default:
            return .text("404 page not found", status: 404)
        }
    }

    private static func chat(_ body: JSONValue, pulled: Models, reply: String) -> LoopbackResponse {
        guard let model = body["model"]?.stringValue, pulled.contains(model) else {
            let name = body["model"]?.stringValue ?? ""
            return .json(["error": "model \"\(name)\" not found, try pulling it first"], status: 404)
        }
        var content = reply
        if let format = body["format"], case .object = format {
            content = LoopbackExample.value(for: format).jsonText
        }
        var words = content.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        var doneReason = "stop"
        if let limit = body["options"]?["num_predict"]?.numberValue.map(Int.init), limit >= 0, words.count > limit {
            words = Array(words.prefix(limit))
            doneReason = "length"
        }
        let promptWords = (body["messages"]?.arrayValue ?? []).compactMap { $0["content"]?.stringValue }
            .reduce(0) { $0 + $1.split(separator: " ").count }
        let final: JSONObject = [
            "model": .string(model), "created_at": "2024-12-06T00:46:58.265747Z", "done": true,
            "done_reason": .string(doneReason), "total_duration": 2254970291, "load_duration": 574751416,
            "prompt_eval_count": .number(Double(promptWords)), "prompt_eval_duration": 1502000000,
            "eval_count": .number(Double(words.count)), "eval_duration": 175000000,
        ]
        guard body["stream"] == false else {
            var lines: [JSONValue] = words.enumerated().map { index, word in
                [
                    "model": .string(model), "created_at": "2023-08-04T08:52:19.385406455-07:00",
                    "message": ["role": "assistant", "content": .string(index == 0 ? word : " " + word)],
                    "done": false,
                ]
            }
            var last = final
            last["message"] = ["role": "assistant", "content": ""]
            lines.append(.object(last))
            return .ndjson(lines)
        }
        var whole = final
        whole["message"] = ["role": "assistant", "content": .string(words.joined(separator: " "))]
        return .json(.object(whole))
    }

    private static func pull(_ body: JSONValue, pulled: Models, pullable: [String]) -> LoopbackResponse {
        let name = body["model"]?.stringValue ?? ""
        let normalized = name.contains(":") ? name : name + ":latest"
        guard pullable.contains(normalized) || pullable.contains(name) else {
            // Ollama reports a failed pull inside the 200 stream, after the manifest step.
            return .ndjson([["status": "pulling manifest"], ["error": "pull model manifest: file does not exist"]])
        }
        pulled.add(normalized)
        let digest = "sha256:6a0746a1ec1aef3e7ec53868f220ff6e389f6f8ef87a01d77c96807de94ca2aa"
        let total = 397_807_936
        var lines: [JSONValue] = [["status": "pulling manifest"]]
        for completed in stride(from: 0, through: total, by: total / 4) {
            lines.append([
                "status": .string("pulling \(digest.dropFirst(7).prefix(12))"), "digest": .string(digest),
                "total": .number(Double(total)), "completed": .number(Double(completed)),
            ])
        }
        lines += [
            ["status": "verifying sha256 digest"], ["status": "writing manifest"],
            ["status": "removing any unused layers"], ["status": "success"],
        ]
        if body["stream"] == false { return .json(["status": "success"]) }
        return .ndjson(lines)
    }

    private static let details: JSONValue = [
        "parent_model": "", "format": "gguf", "family": "llama", "families": ["llama"], "parameter_size": "3.2B",
        "quantization_level": "Q4_K_M",
    ]

    private static func tag(_ name: String) -> JSONValue {
        [
            "name": .string(name), "model": .string(name), "modified_at": "2024-11-04T14:56:49.277302595-07:00",
            "size": 2019393189, "digest": "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
            "details": details,
        ]
    }

    /// A deterministic eight-dimensional vector derived from the text's bytes.
    private static func embedding(_ text: String) -> JSONValue {
        var vector = Array(repeating: 0.0, count: 8)
        for (index, byte) in text.utf8.enumerated() { vector[index % 8] += Double(byte) / 255 }
        let norm = max(vector.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-9)
        return .array(vector.map { .number($0 / norm) })
    }
}

/// The pulled models, changed by `/api/pull`.
private final class Models: Sendable {
    let names: Mutex<[String]>

    init(_ names: [String]) { self.names = Mutex(names) }

    func contains(_ name: String) -> Bool {
        let normalized = name.contains(":") ? name : name + ":latest"
        return names.withLock { $0.contains(normalized) }
    }

    func add(_ name: String) {
        names.withLock { if !$0.contains(name) { $0.append(name) } }
    }
}
