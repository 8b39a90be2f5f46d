import LanguageModels
import Testing
import TicketMasterTesting

/// Every provider meets the documented behaviour for each failure: which error code, whether and how long it
/// waits before retrying, and that its message names the remedy.
// Serialized: the cases share two cores with the rest of the suite, and their timing must not depend on it.
@Suite(.serialized) struct FaultTests {
    enum Fault: String, CaseIterable, CustomTestStringConvertible {
        case unauthorized, rateLimitedOnce, rateLimitedThroughout, serverErrorOnce, requestTimeoutOnce, garbageBody
        case slowReply, refusedConnection, droppedConnectionOnce, badRequest

        var testDescription: String { rawValue }
    }

    let clock = RecordingClock()
    let logs = LogCapture()

    var options: TransportOptions {
        TransportOptions(
            // The idle timeout leaves room for a busy machine; the slow reply is well beyond it.
            timeouts: Timeouts(connect: .seconds(10), idle: .seconds(8), request: .seconds(40)),
            retryPolicy: RetryPolicy(
                maxAttempts: 3, initialDelay: .seconds(1), maxDelay: .seconds(8), maxRetryAfter: .seconds(30)),
            clock: clock, randomFraction: { 0.5 }, logger: logs.logger)
    }

    @Test(arguments: Provider.allCases, Fault.allCases)
    func failureHasTheDocumentedBehaviour(provider: Provider, fault: Fault) async throws {
        let harness = try await provider.start()
        let model = harness.model(options)
        let request = CompletionRequest(messages: [.user("Say hi")], maxTokens: 50)
        var outcome: Result<Completion, LanguageModelError>
        func call() async -> Result<Completion, LanguageModelError> {
            do {
                return .success(try await model.complete(request))
            } catch let error as LanguageModelError {
                return .failure(error)
            } catch {
                Issue.record("not a LanguageModelError: \(error)")
                return .failure(LanguageModelError(.badResponse, "\(error)"))
            }
        }
        switch fault {
        case .unauthorized:
            harness.server.inject(.status(401, message: "bad key"))
        case .rateLimitedOnce:
            harness.server.inject(.status(429, retryAfter: "2"))
        case .rateLimitedThroughout:
            harness.server.inject(.status(429, retryAfter: "2"), count: 5)
        case .serverErrorOnce:
            harness.server.inject(.status(500))
        case .requestTimeoutOnce:
            harness.server.inject(.status(408))
        case .badRequest:
            harness.server.inject(.status(400, message: "max_tokens is too large"))
        case .garbageBody:
            harness.server.inject(.garbage)
        case .slowReply:
            harness.server.inject(.slow(.seconds(16)))
        case .refusedConnection:
            await harness.server.shutdown()
        case .droppedConnectionOnce:
            harness.server.inject(.drop)
        }
        outcome = await call()
        await harness.server.shutdown()

        switch (fault, outcome) {
        case (.unauthorized, .failure(let error)):
            #expect(error.code == .unauthorized)
            #expect(harness.server.requests.count == 1)
            #expect(clock.sleeps.isEmpty)
            if let variable = harness.keyVariable { #expect(error.message.contains(variable)) }
        case (.rateLimitedOnce, .success):
            #expect(harness.server.requests.count == 2)
            #expect(clock.sleeps == [.seconds(2)])
        case (.rateLimitedThroughout, .failure(let error)):
            #expect(error.code == .rateLimited)
            #expect(error.retryAfter == .seconds(2))
            #expect(harness.server.requests.count == 3)
            #expect(clock.sleeps == [.seconds(2), .seconds(2)])
        case (.serverErrorOnce, .success):
            #expect(harness.server.requests.count == 2)
            #expect(clock.sleeps == [.milliseconds(500)])
        case (.requestTimeoutOnce, .success):
            #expect(harness.server.requests.count == 2)
            #expect(clock.sleeps == [.milliseconds(500)])
        case (.badRequest, .failure(let error)):
            #expect(error.code == .invalidRequest)
            #expect(error.message.contains("max_tokens is too large"))
            #expect(harness.server.requests.count == 1)
            #expect(clock.sleeps.isEmpty)
        case (.garbageBody, .failure(let error)):
            #expect(error.code == .badResponse)
            #expect(harness.server.requests.count == 1)
        case (.slowReply, .failure(let error)):
            #expect(error.code == .timeout)
            #expect(harness.server.requests.count == 1)
        case (.refusedConnection, .failure(let error)):
            #expect(error.code == .unavailable)
            #expect(error.message.contains("connection refused"))
            #expect(clock.sleeps == [.milliseconds(500), .seconds(1)])
        case (.droppedConnectionOnce, .success):
            #expect(clock.sleeps == [.milliseconds(500)])
        default:
            Issue.record("\(provider) under \(fault): unexpected outcome \(outcome)")
        }
        if case .failure(let error) = outcome {
            #expect(error.message.hasPrefix(model.descriptor.provider + ":"))
            #expect(!error.message.contains("\n"))
            if let secret = harness.secret {
                #expect(!error.message.contains(secret))
                #expect(!logs.text.contains(secret))
            }
        }
    }

    @Test(arguments: Provider.allCases)
    func streamRetriesBeforeItsFirstChunk(provider: Provider) async throws {
        let harness = try await provider.start()
        defer { Task { await harness.server.shutdown() } }
        harness.server.inject(.status(503, retryAfter: "1"))
        var deltas: [String] = []
        var final: Completion?
        for try await chunk in harness.model(options).stream(CompletionRequest(messages: [.user("Say hi")])) {
            switch chunk {
            case .delta(let text): deltas.append(text)
            case .done(let completion): final = completion
            }
        }
        let completion = try #require(final)
        #expect(deltas.count > 1)
        #expect(deltas.joined() == completion.text)
        #expect(completion.usage.completionTokens > 0)
        #expect(clock.sleeps == [.seconds(1)])
    }
}
