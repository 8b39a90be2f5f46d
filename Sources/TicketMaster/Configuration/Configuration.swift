import Foundation
import LanguageModels
import RepositoryAnalysis

/// The settings of one run: built once from every layer, never changed afterwards.
public struct Configuration: Sendable, Equatable {
    /// Where and how to file issues on GitHub.
    public struct GitHub: Sendable, Equatable {
        /// The token, if any layer set one.
        public var token: Secret?
        /// The REST API root.
        public var apiURL: URL
        /// Labels added to every suggested issue.
        public var defaultLabels: [String]
    }

    /// Where issues go when a team tracks its work in Jira (`jira.*`).
    public struct Jira: Sendable, Equatable {
        /// The site; when set, issues are filed in Jira instead of on the repository's forge.
        public var url: URL?
        /// The project's key.
        public var project: String?
        /// The issue type filed issues get.
        public var issueType: String
        /// `auto` (Cloud for `*.atlassian.net`), `cloud` or `data_center`.
        public var deployment: String
    }

    /// How filing paces itself.
    public struct Publishing: Sendable, Equatable {
        /// Seconds between two content-creating requests.
        public var pauseSeconds: Double
        /// The longest a rate limit may hold up filing, in seconds.
        public var maxWaitSeconds: Int
        /// Logins every filed issue is assigned to.
        public var assignees: [String]
        /// The milestone every filed issue goes in.
        public var milestone: Int?
        /// Whether security findings are filed publicly.
        public var fileSecurityFindings: Bool
        /// Whether an issue Ticket-Master filed is closed once its evidence is gone; when false it gets a comment.
        public var closeResolved: Bool
    }

    /// What part of the repository to analyse, and how.
    public struct Repository: Sendable, Equatable {
        /// How many recent commits to read; nil reads all.
        public var maxCommits: Int?
        /// Only commits after this date.
        public var since: Date?
        /// Follow first parents only.
        public var firstParent: Bool
        /// Paths left out of analysis.
        public var ignorePatterns: [String]
        /// Parallel workers; nil uses every core.
        public var jobs: Int?
        /// Keep per-commit facts between runs.
        public var cache: Bool
        /// The size above which a file is reported as large.
        public var largeFileBytes: Int
        /// Marker words besides the standard ones, upper case.
        public var markers: [String]
    }

    /// How many issues, of which kinds.
    public struct IssueGeneration: Sendable, Equatable {
        /// The most issues one run suggests.
        public var maxIssues: Int
        /// The most issues one run suggests from one kind of finding.
        public var maxPerKind: Int
        /// The lowest severity a finding needs to be suggested.
        public var minSeverity: Severity
        /// Which repository issue template drafts follow: `auto`, `none`, or a template's file or name.
        public var issueTemplate: String
        /// The shortest acceptable body, in characters.
        public var minDescriptionLength: Int
        /// The lowest review score a model draft may have and still be published as written.
        public var reviewThreshold: Int
        /// The kinds of issue to suggest, with their priorities.
        public var types: [IssueTypePreference]
        /// The cosine similarity of embeddings at which two issues are the same.
        public var duplicateEmbeddingSimilarity: Double
    }

    /// The model stages of the suggestion pipeline.
    public struct Pipeline: Sendable, Equatable {
        /// An optional discover stage, one draft stage, then review stages.
        public var stages: [PipelineStage]
        /// The most passages of code the discover stage reads in a run, one model call each.
        public var discoveryPassages: Int = 6

        /// The discover stage, when the pipeline has one.
        public var discovery: PipelineStage? { stages.first { $0.kind == .discover } }

        /// The draft stage.
        public var draft: PipelineStage { stages.first { $0.kind == .draft } ?? PipelineStage.defaults[0] }
        /// The review stages, in order.
        public var reviews: [PipelineStage] { stages.filter { $0.kind == .review } }
    }

    /// Which language model writes the issues.
    public struct Models: Sendable, Equatable {
        /// `auto`, `local`, `ollama`, `openai`, `anthropic` or `gemini`.
        public var provider: String
        /// The model name; nil uses the provider's default.
        public var model: String?
        /// Models to try when the configured one fails.
        public var fallback: [String]
        /// The spending limit in US dollars, if any.
        public var maxCost: Double?
        /// `provider/model=prompt:completion` prices per million tokens.
        public var prices: [String]
        /// A folder of prompt template overrides.
        public var promptsDirectory: String?
        /// Sampling temperature.
        public var temperature: Double
        /// The most tokens one reply may use.
        public var maxTokens: Int
        /// The most tokens one prompt may have; nil chooses by provider (`RunEnvironment.promptTokenBudget`).
        public var promptTokenBudget: Int?
        /// The model that embeds issues for de-duplication: nil uses the chat model, `none` turns embeddings off.
        public var embeddingModel: String?
        /// Where Ollama listens.
        public var ollamaURL: URL
        /// Seconds to wait for one Ollama reply.
        public var ollamaTimeout: Int
        /// The context window Ollama loads the model with; nil leaves it to the server.
        public var ollamaContextLength: Int?
        /// Whether a configured model Ollama does not have is pulled without asking.
        public var ollamaAutoPull: Bool
        /// The OpenAI-compatible API key.
        public var openAIKey: Secret?
        /// The OpenAI-compatible API root.
        public var openAIURL: URL
        /// The OpenAI organization.
        public var openAIOrganization: String?
        /// The request field the OpenAI-compatible API receives the token limit in.
        public var openAITokenLimitField: OpenAICompatibleModel.TokenLimitField
        /// The Anthropic API key.
        public var anthropicKey: Secret?
        /// The Gemini API key.
        public var geminiKey: Secret?
    }

    /// Where the history of runs is kept, and how much of it.
    public struct History: Sendable, Equatable {
        /// The database file; nil uses the default location (see `databasePath(environment:)`).
        public var path: String?
        /// A PostgreSQL server's URL (`database.url`): when set, the history lives there instead of in `path`.
        public var databaseURL: Secret?
        /// Whether prompt and reply texts are stored with each model call.
        public var keepPrompts: Bool

        /// The database file: `path` when set (a leading `~/` is the home folder), else
        /// `$XDG_DATA_HOME/ticket-master/history.sqlite`, falling back to `~/.local/share/ticket-master/history.sqlite`
        /// as the XDG base directory specification says.
        public func databasePath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
            let home = environment["HOME"] ?? NSHomeDirectory()
            if let path {
                return path.hasPrefix("~/") ? home + path.dropFirst() : path
            }
            let base = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (home + "/.local/share")
            return base + "/ticket-master/history.sqlite"
        }
    }

    /// Where logs go and how much.
    public struct Logging: Sendable, Equatable {
        /// The least severe level written.
        public var level: LogLevelName
        /// A file that also receives the logs.
        public var file: String?
    }

    /// Where and how issues are filed on GitHub (`github.*`).
    public var github: GitHub
    /// Where issues go when a team tracks its work in Jira (`jira.*`).
    public var jira: Jira
    /// How filing paces itself.
    public var publishing: Publishing
    /// Which history is analysed (`repository.*`).
    public var repository: Repository
    /// How many issues of which kinds are suggested, and how they are checked (`issue_generation.*`).
    public var issueGeneration: IssueGeneration
    /// The model stages that write and review drafts (`pipeline.*`).
    public var pipeline: Pipeline
    /// The language models and their budget (`llm.*`).
    public var models: Models
    /// The run history database (`history.*`).
    public var history: History
    /// Where logs go and how much is logged (`logging.*`).
    public var logging: Logging

    /// Builds the typed value from validated entries; a missing or mistyped entry falls back to the key's default.
    init(values: [String: ConfigurationValue], now: Date) {
        let read = EntryReader(values: values)
        github = GitHub(
            token: read.secret("github.token"),
            apiURL: read.url("github.api_url"),
            defaultLabels: read.list("github.default_labels"))
        jira = Jira(
            url: read.optionalString("jira.url").flatMap(URL.init(string:)),
            project: read.optionalString("jira.project"),
            issueType: read.string("jira.issue_type"),
            deployment: read.string("jira.deployment"))
        publishing = Publishing(
            pauseSeconds: read.double("publishing.pause_seconds"),
            maxWaitSeconds: read.int("publishing.max_wait_seconds"),
            assignees: read.list("publishing.assignees"),
            milestone: read.optionalInt("publishing.milestone"),
            fileSecurityFindings: read.bool("publishing.file_security_findings"),
            closeResolved: read.bool("publishing.close_resolved"))
        repository = Repository(
            maxCommits: read.optionalInt("repository.max_commits"),
            since: read.optionalString("repository.since").flatMap { RelativeDate.parse($0, relativeTo: now) },
            firstParent: read.bool("repository.first_parent"),
            ignorePatterns: read.list("repository.ignore_patterns"),
            jobs: read.optionalInt("repository.jobs"),
            cache: read.bool("repository.cache"),
            largeFileBytes: read.int("repository.large_file_bytes"),
            markers: read.list("analysis.markers").map { $0.uppercased() })
        issueGeneration = IssueGeneration(
            maxIssues: read.int("issue_generation.max_issues"),
            maxPerKind: read.int("issue_generation.max_per_kind"),
            minSeverity: Severity(rawValue: read.string("issue_generation.min_severity")) ?? .medium,
            issueTemplate: read.string("issue_generation.issue_template"),
            minDescriptionLength: read.int("issue_generation.min_description_length"),
            reviewThreshold: read.int("issue_generation.review_threshold"),
            types: read.issueTypes("issue_generation.templates"),
            duplicateEmbeddingSimilarity: read.double("issue_generation.duplicate_embedding_similarity"))
        var stages = read.stages("pipeline.stages")
        // `pipeline.discover: true` (or `--discover`) adds the discover stage with the run's model and template.
        if read.bool("pipeline.discover"), !stages.contains(where: { $0.kind == .discover }) {
            stages.insert(PipelineStage(name: "discover", kind: .discover), at: 0)
        }
        pipeline = Pipeline(stages: stages, discoveryPassages: read.int("pipeline.discovery_passages"))
        models = Models(
            provider: read.string("llm.provider"),
            model: read.optionalString("llm.model"),
            fallback: read.list("llm.fallback"),
            maxCost: read.optionalDouble("llm.max_cost"),
            prices: read.list("llm.prices"),
            promptsDirectory: read.optionalString("prompts.directory"),
            temperature: read.double("llm.temperature"),
            maxTokens: read.int("llm.max_tokens"),
            promptTokenBudget: read.optionalInt("llm.prompt_token_budget"),
            embeddingModel: read.optionalString("llm.embedding_model"),
            ollamaURL: read.url("llm.ollama.base_url"),
            ollamaTimeout: read.int("llm.ollama.timeout"),
            ollamaContextLength: read.optionalInt("llm.ollama.num_ctx").flatMap { $0 > 0 ? $0 : nil },
            ollamaAutoPull: read.bool("llm.ollama.auto_pull"),
            openAIKey: read.secret("llm.openai.api_key"),
            openAIURL: read.url("llm.openai.base_url"),
            openAIOrganization: read.optionalString("llm.openai.organization"),
            openAITokenLimitField: OpenAICompatibleModel.TokenLimitField(
                rawValue: read.string("llm.openai.token_limit_field")) ?? .automatic,
            anthropicKey: read.secret("llm.anthropic.api_key"),
            geminiKey: read.secret("llm.gemini.api_key"))
        history = History(
            path: read.optionalString("history.path"), databaseURL: read.secret("database.url"),
            keepPrompts: read.bool("history.keep_prompts"))
        logging = Logging(
            level: LogLevelName(rawValue: read.string("logging.level")) ?? .info,
            file: read.optionalString("logging.file"))
    }

    /// The configuration with every key at its default.
    public static var defaults: Configuration {
        Configuration(values: ConfigurationLayer.defaults.values, now: Date())
    }
}

/// A credential. Its description never shows the value, so interpolating it by mistake leaks nothing.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The credential itself; pass it only to the service it is for.
    public let value: String

    /// Wraps a credential.
    public init(_ value: String) {
        self.value = value
    }

    public var description: String { "********" }
    public var debugDescription: String { "Secret(********)" }
}

/// Typed reads of validated entries, falling back to defaults.
private struct EntryReader {
    let values: [String: ConfigurationValue]

    private func value(_ path: String) -> ConfigurationValue {
        values[path] ?? ConfigurationKey.named(path)?.defaultValue ?? .null
    }

    func optionalString(_ path: String) -> String? {
        if case .string(let text) = value(path), !text.isEmpty { return text }
        return nil
    }

    func string(_ path: String) -> String { optionalString(path) ?? "" }

    func secret(_ path: String) -> Secret? { optionalString(path).map(Secret.init) }

    func url(_ path: String) -> URL {
        if let url = optionalString(path).flatMap(URL.init(string:)) { return url }
        if case .string(let text) = ConfigurationKey.named(path)?.defaultValue, let url = URL(string: text) {
            return url
        }
        return URL(fileURLWithPath: "/")
    }

    func optionalInt(_ path: String) -> Int? {
        if case .int(let number) = value(path) { return number }
        return nil
    }

    func int(_ path: String) -> Int { optionalInt(path) ?? 0 }

    func optionalDouble(_ path: String) -> Double? {
        switch value(path) {
        case .double(let number): number
        case .int(let number): Double(number)
        default: nil
        }
    }

    func double(_ path: String) -> Double {
        switch value(path) {
        case .double(let number): number
        case .int(let number): Double(number)
        default: 0
        }
    }

    func bool(_ path: String) -> Bool {
        if case .bool(let flag) = value(path) { return flag }
        return false
    }

    func list(_ path: String) -> [String] {
        if case .list(let items) = value(path) { return items }
        return []
    }

    func stages(_ path: String) -> [PipelineStage] {
        if case .stages(let stages) = value(path), !stages.isEmpty { return stages }
        return PipelineStage.defaults
    }

    func issueTypes(_ path: String) -> [IssueTypePreference] {
        if case .issueTypes(let preferences) = value(path) { return preferences }
        return []
    }
}
