import Foundation
import LanguageModels
import Testing

/// The managed local model shared by the tests that need a real `llama-server`: started once for the suite that
/// carries this trait, stopped when the suite ends.
struct LocalServer: SuiteTrait, TestScoping {
    /// The installation in the user's cache, where `scripts/install-local-model` puts it.
    static let installation = LocalModelInstallation()

    /// One server for the whole test process; starting SmolLM2 takes a second or two.
    static let runtime = LocalModelRuntime(installation: installation)

    /// Whether the real-model tests run: when the model is installed, or when `TM_REQUIRE_LOCAL_MODEL=1` (CI sets
    /// it after installing) so that a missing installation fails loudly instead of skipping.
    static var shouldRun: Bool {
        installation.isInstalled || ProcessInfo.processInfo.environment["TM_REQUIRE_LOCAL_MODEL"] == "1"
    }

    /// Why the tests are skipped when they are.
    static let skipReason: Comment =
        "SKIPPED: the managed local model is not installed; run scripts/install-local-model (CI sets TM_REQUIRE_LOCAL_MODEL=1)"

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        do {
            try await function()
        } catch {
            await Self.runtime.stop()
            throw error
        }
        await Self.runtime.stop()
    }
}
