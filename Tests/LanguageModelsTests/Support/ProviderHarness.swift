import LanguageModels
import Testing
import TicketMasterTesting

/// Each provider's client against a loopback server that answers in that provider's wire format, for the tests
/// that every provider must pass alike.
enum Provider: String, CaseIterable, CustomTestStringConvertible {
    case openAI, anthropic, ollama, gemini

    var testDescription: String { rawValue }

    /// A running server and a way to build a client for it.
    struct Harness {
        let server: LoopbackServer
        let secret: String?
        /// The environment variable the unauthorized remedy names.
        let keyVariable: String?
        let makeModel: @Sendable (String, TransportOptions) -> any LanguageModel

        func model(_ options: TransportOptions) -> any LanguageModel { makeModel(server.baseURL, options) }
    }

    func start() async throws -> Harness {
        switch self {
        case .openAI:
            let key = "sk-test-0123456789abcdef"
            let server = try await LoopbackServer.start(CannedReplies.openAI(key: key))
            return Harness(server: server, secret: key, keyVariable: "OPENAI_API_KEY") { url, options in
                OpenAICompatibleModel(.init(baseURL: url + "/v1", model: "gpt-test", apiKey: key), options: options)
            }
        case .anthropic:
            let key = "sk-ant-test-0123456789abcdef"
            let server = try await LoopbackServer.start(CannedReplies.anthropic(key: key))
            return Harness(server: server, secret: key, keyVariable: "ANTHROPIC_API_KEY") { url, options in
                AnthropicModel(.init(baseURL: url, model: "claude-test", apiKey: key), options: options)
            }
        case .ollama:
            let ollama = try await LoopbackOllama.start()
            return Harness(server: ollama.server, secret: nil, keyVariable: nil) { url, options in
                OllamaModel(.init(baseURL: url, model: "llama3.2"), options: options)
            }
        case .gemini:
            let gemini = try await LoopbackGemini.start()
            let key = gemini.apiKey
            return Harness(server: gemini.server, secret: key, keyVariable: "GEMINI_API_KEY") { url, options in
                GeminiModel(.init(baseURL: url, model: "gemini-2.0-flash", apiKey: key), options: options)
            }
        }
    }
}

/// Minimal OpenAI and Anthropic servers; their full behaviour is tested against the real llama-server, which
/// serves both APIs, so these only need to answer a chat correctly for the fault tests.
enum CannedReplies {
    static func openAI(key: String) -> LoopbackServer.Handler {
        { request in
            guard request.headers["authorization"] == "Bearer \(key)" else {
                return .json(
                    [
                        "error": [
                            "message": "Incorrect API key provided: \(request.headers["authorization"] ?? "none").",
                            "type": "invalid_request_error", "code": "invalid_api_key",
                        ]
                    ], status: 401)
            }
            if request.json?["stream"] == true {
                return .events([
                    ["model": "gpt-test", "choices": [["index": 0, "delta": ["content": "Hi"]]]],
                    ["model": "gpt-test", "choices": [["index": 0, "delta": ["content": " there"]]]],
                    ["model": "gpt-test", "choices": [["index": 0, "delta": [:], "finish_reason": "stop"]]],
                    ["model": "gpt-test", "choices": [], "usage": ["prompt_tokens": 5, "completion_tokens": 2]],
                ])
            }
            return .json([
                "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-test",
                "choices": [
                    ["index": 0, "message": ["role": "assistant", "content": "Hi there"], "finish_reason": "stop"]
                ],
                "usage": ["prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7],
            ])
        }
    }

    static func anthropic(key: String) -> LoopbackServer.Handler {
        { request in
            guard request.headers["x-api-key"] == key, request.headers["anthropic-version"] == "2023-06-01" else {
                return .json(
                    ["type": "error", "error": ["type": "authentication_error", "message": "invalid x-api-key"]],
                    status: 401)
            }
            if let tool = request.json?["tools"]?.arrayValue?.first, let name = tool["name"] {
                // A forced tool call: the answer is the tool's input, shaped by its input_schema.
                return .json([
                    "id": "msg_2", "type": "message", "role": "assistant", "model": "claude-test",
                    "content": [["type": "tool_use", "id": "toolu_1", "name": name, "input": ["title": "Fix login"]]],
                    "stop_reason": "tool_use", "usage": ["input_tokens": 40, "output_tokens": 12],
                ])
            }
            if request.json?["stream"] == true {
                return .events([
                    [
                        "type": "message_start",
                        "message": ["model": "claude-test", "usage": ["input_tokens": 5, "output_tokens": 1]],
                    ],
                    ["type": "content_block_start", "index": 0, "content_block": ["type": "text", "text": ""]],
                    ["type": "content_block_delta", "index": 0, "delta": ["type": "text_delta", "text": "Hi"]],
                    ["type": "content_block_delta", "index": 0, "delta": ["type": "text_delta", "text": " there"]],
                    ["type": "content_block_stop", "index": 0],
                    ["type": "message_delta", "delta": ["stop_reason": "end_turn"], "usage": ["output_tokens": 2]],
                    ["type": "message_stop"],
                ])
            }
            return .json([
                "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-test",
                "content": [["type": "text", "text": "Hi there"]], "stop_reason": "end_turn",
                "usage": ["input_tokens": 5, "output_tokens": 2],
            ])
        }
    }
}
