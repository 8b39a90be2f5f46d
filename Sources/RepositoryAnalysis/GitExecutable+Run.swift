import Foundation

extension GitExecutable {
    /// What one `git` command printed and returned.
    public struct Output: Sendable {
        /// The exit status.
        public var status: Int32
        /// Standard output.
        public var standardOutput: Data
        /// Standard error, trimmed.
        public var standardError: String

        /// Standard output as trimmed text.
        public var text: String {
            String(decoding: standardOutput, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// Runs `git -C directory arguments…` and collects its output, which should be small; the status is returned,
    /// not checked. Cancelling the task stops `git`.
    ///
    /// `git` runs with the same isolation as analysis (C locale, no prompts, no optional locks) plus `environment`,
    /// and reads standard input from the file at `standardInput`, if given, or from `/dev/null`.
    public func run(
        _ arguments: [String], in directory: URL, environment: [String: String] = [:], standardInput: URL? = nil
    ) async throws -> Output {
        let process = GitProcess(executable: try resolve(), directory: directory, extraEnvironment: environment)
        let (data, completion) = try await process.capture(arguments, standardInput: standardInput)
        return Output(status: completion.status, standardOutput: data, standardError: completion.standardError)
    }
}
