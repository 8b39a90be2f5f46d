import Foundation

/// A value decoded from a model's structured reply, with every call it took.
public struct StructuredCompletion<Value: Sendable>: Sendable {
    /// The decoded value.
    public var value: Value
    /// Every call made, first to last: one, or two when the first reply needed repair.
    public var completions: [Completion]

    /// Tokens used by all the calls together.
    public var usage: Usage { completions.reduce(.zero) { $0 + $1.usage } }
}

/// Why a structured reply was rejected; the ``LanguageModelError/cause`` of an `invalidStructuredOutput` error.
public struct StructuredOutputFailure: Error, Sendable, CustomStringConvertible {
    /// What was wrong with the last reply.
    public var problems: [String]
    /// The last reply's text.
    public var lastReply: String
    /// Every call made, for usage accounting.
    public var completions: [Completion]

    /// The problems, joined.
    public var description: String { problems.joined(separator: "; ") }
}

extension LanguageModel {
    /// Asks for a reply matching `schema` and decodes it as `Value`.
    ///
    /// The schema goes to the provider natively (OpenAI `response_format`, Ollama `format`, Gemini
    /// `responseSchema`, Anthropic forced tool use), and the reply is still checked here, because grammar-only
    /// enforcement ignores limits such as `maxLength` and any reply can be cut off by `maxTokens`. A reply that is
    /// truncated, is not JSON, breaks the schema or does not decode gets exactly one repair attempt — the bad reply
    /// is sent back with what was wrong — and a second failure throws `invalidStructuredOutput`. With `repair`
    /// false the first failure throws: a caller that has seen the model fail often need not pay for the repair.
    public func generate<Value: Decodable & Sendable>(
        _ type: Value.Type, schema: JSONSchema, request: CompletionRequest, repair: Bool = true
    ) async throws -> StructuredCompletion<Value> {
        var request = request
        request.responseSchema = ResponseSchema(name: String(describing: Value.self), schema: schema)
        let first = try await complete(request)
        var problems: [String]
        switch Self.check(first, schema: schema, as: Value.self) {
        case .success(let value):
            return StructuredCompletion(value: value, completions: [first])
        case .failure(let failure):
            problems = failure.problems
        }
        guard repair else {
            throw LanguageModelError(
                .invalidStructuredOutput,
                "\(descriptor.provider): \(descriptor.model) at \(descriptor.baseURL) did not return valid "
                    + "\(String(describing: Value.self)) JSON (\(problems.prefix(3).joined(separator: "; "))); "
                    + "raise max_tokens or choose a stronger model",
                cause: StructuredOutputFailure(problems: problems, lastReply: first.text, completions: [first]))
        }

        request.messages.append(.assistant(first.text))
        request.messages.append(.user(Self.repairPrompt(problems: problems, schema: schema)))
        let second = try await complete(request)
        switch Self.check(second, schema: schema, as: Value.self) {
        case .success(let value):
            return StructuredCompletion(value: value, completions: [first, second])
        case .failure(let failure):
            problems = failure.problems
        }
        let shown = problems.prefix(3).joined(separator: "; ")
        throw LanguageModelError(
            .invalidStructuredOutput,
            "\(descriptor.provider): \(descriptor.model) at \(descriptor.baseURL) did not return valid "
                + "\(String(describing: Value.self)) JSON after one repair attempt (\(shown)); "
                + "raise max_tokens or choose a stronger model",
            cause: StructuredOutputFailure(problems: problems, lastReply: second.text, completions: [first, second]))
    }

    private static func check<Value: Decodable>(
        _ completion: Completion, schema: JSONSchema, as type: Value.Type
    ) -> Result<Value, StructuredOutputFailure> {
        func failure(_ problems: [String]) -> Result<Value, StructuredOutputFailure> {
            .failure(StructuredOutputFailure(problems: problems, lastReply: completion.text, completions: [completion]))
        }
        let truncated =
            completion.finishReason == .length
            ? ["the reply was cut off at the token limit before the JSON was complete"] : []
        let text = unfenced(completion.text)
        guard let data = text.data(using: .utf8), let json = JSONValue(parsing: data) else {
            return failure(truncated.isEmpty ? ["the reply is not valid JSON"] : truncated)
        }
        let violations = schema.violations(of: json)
        guard violations.isEmpty else { return failure(truncated + violations.map(\.description)) }
        do {
            return .success(try JSONDecoder().decode(type, from: data))
        } catch {
            return failure(["the JSON matches the schema but not the expected type"])
        }
    }

    /// The reply without a Markdown code fence, which small models add even when asked for bare JSON.
    private static func unfenced(_ text: String) -> String {
        var trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("```") else { return trimmed }
        if let firstNewline = trimmed.firstIndex(of: "\n") {
            trimmed = String(trimmed[trimmed.index(after: firstNewline)...])
        }
        if trimmed.hasSuffix("```") { trimmed = String(trimmed.dropLast(3)) }
        return trimmed.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func repairPrompt(problems: [String], schema: JSONSchema) -> String {
        """
        Your previous reply cannot be used: \(problems.prefix(5).joined(separator: "; ")).
        Reply again with only one JSON value, no other text, matching this JSON schema:
        \(schema.jsonValue.jsonText)
        Keep every string short enough to fit.
        """
    }
}
