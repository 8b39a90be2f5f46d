import Foundation
import TicketMasterTesting

extension TemporaryGitRepository {
    /// A repository with planted facts: an old FIXME, a hot untested file, a large new module without docs, and a
    /// README when `readme` is set.
    static func planted(readme: Bool) async throws -> TemporaryGitRepository {
        let repository = try await TemporaryGitRepository.make()
        if readme { try repository.write("# Demo\n", to: "README.md") }
        try repository.write(
            "func parse() {\n    // FIXME: handle malformed input instead of crashing\n}\n", to: "Sources/Parser.swift")
        try await repository.commit("Add the parser", date: Date(timeIntervalSince1970: 1_600_000_000))
        for index in 1...12 {
            try repository.write(
                "public struct Router {\n" + (0..<index).map { "    public func route\($0)() {}\n" }.joined() + "}\n",
                to: "Sources/Router.swift")
            try await repository.commit(
                "Change routing \(index)", date: Date().addingTimeInterval(Double(-index) * 86_400))
        }
        let module = (0..<300).map { "public func feature\($0)() -> Int { \($0) }" }.joined(separator: "\n")
        try repository.write(module + "\n", to: "Sources/Features/Module.swift")
        try await repository.commit("Add the features module", date: Date().addingTimeInterval(-3600))
        return repository
    }
}
