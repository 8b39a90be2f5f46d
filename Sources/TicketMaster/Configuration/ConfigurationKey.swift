import LanguageModels
import RepositoryAnalysis

/// One key of the configuration file: its dotted path, type, default, documentation and environment variables.
///
/// The table of keys (`ConfigurationKey.all`) is the single description of the configuration: loading,
/// validation, `config init`, `config show` and the environment mapping are all derived from it, so a key cannot
/// exist in one place and be forgotten in another.
public struct ConfigurationKey: Sendable, Hashable {
    /// The dotted path in the YAML file, such as `issue_generation.max_issues`.
    public let path: String
    /// What values the key accepts.
    public let type: ValueType
    /// The value used when no layer sets the key.
    public let defaultValue: ConfigurationValue
    /// One sentence for `config init` and `--help`.
    public let summary: String
    /// Environment variables that set the key, strongest first, besides its `TICKET_MASTER_*` name.
    public let environment: [String]
    /// Whether the value must be masked when shown and kept out of logs and history.
    public let isSecret: Bool

    /// The kinds of value a key accepts.
    public enum ValueType: Sendable, Hashable {
        case string
        case url
        case integer(minimum: Int, maximum: Int)
        case number(minimum: Double, maximum: Double)
        case boolean
        case choice([String])
        case stringList
        case issueTypes
        case pipelineStages
        case dateOrAge

        /// How the type reads in an error message.
        var name: String {
            switch self {
            case .string: "a string"
            case .url: "a URL such as https://example.com"
            case .integer(let minimum, let maximum): "an integer from \(minimum) to \(maximum)"
            case .number(let minimum, let maximum): "a number from \(minimum.formatted) to \(maximum.formatted)"
            case .boolean: "true or false"
            case .choice(let values): "one of \(values.joined(separator: ", "))"
            case .stringList: "a list of strings"
            case .issueTypes: "a list of {name, priority} entries"
            case .pipelineStages: "a list of {name, kind, model, template, threshold} entries"
            case .dateOrAge: "a date (2024-01-31) or an age (90d, 12w, 6m, 1y)"
            }
        }
    }

    init(
        _ path: String,
        _ type: ValueType,
        default defaultValue: ConfigurationValue,
        _ summary: String,
        environment: [String] = [],
        secret: Bool = false
    ) {
        self.path = path
        self.type = type
        self.defaultValue = defaultValue
        self.summary = summary
        self.environment = environment
        self.isSecret = secret
    }

    /// The `TICKET_MASTER_*` environment variable for the key, e.g. `TICKET_MASTER_LLM_MODEL`.
    public var environmentName: String {
        "TICKET_MASTER_" + path.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    /// The section, the part of the path before the first dot.
    public var section: String { String(path.prefix { $0 != "." }) }
}

extension ConfigurationKey {
    /// Every key Ticket-Master reads, in the order `config init` writes them.
    public static let all: [ConfigurationKey] = [
        .init(
            "github.token", .string, default: .null,
            "Token for filing issues; prefer the GITHUB_TOKEN or GH_TOKEN environment variable.",
            environment: ["GITHUB_TOKEN", "GH_TOKEN"], secret: true),
        .init(
            "github.api_url", .url, default: .string("https://api.github.com"),
            "REST API root; set it for GitHub Enterprise, e.g. https://github.example.com/api/v3."),
        .init(
            "github.default_labels", .stringList, default: .list([]),
            "Labels added to every suggested issue, besides the ones chosen per issue."),
        .init(
            "jira.url", .url, default: .null,
            "A Jira site (https://acme.atlassian.net); when set, issues are filed in its jira.project, not on the forge."
        ),
        .init(
            "jira.project", .string, default: .null, "The key of the Jira project issues are filed in (TM)."),
        .init(
            "jira.issue_type", .string, default: .string("Task"), "The issue type of issues filed in Jira."),
        .init(
            "jira.deployment", .choice(["auto", "cloud", "data_center"]), default: .string("auto"),
            "Jira Cloud (REST v3) or Data Center (REST v2); auto takes Cloud for *.atlassian.net."),
        .init(
            "publishing.pause_seconds", .number(minimum: 0, maximum: 60), default: .double(1),
            "Seconds between two issues or labels created; GitHub asks for at least one."),
        .init(
            "publishing.max_wait_seconds", .integer(minimum: 0, maximum: 86_400), default: .int(900),
            "The longest a rate limit may hold up filing; past it the run stops and reports what it filed."),
        .init(
            "publishing.assignees", .stringList, default: .list([]),
            "Logins every filed issue is assigned to; ones the token may not assign are reported."),
        .init(
            "publishing.file_security_findings", .boolean, default: .bool(false),
            "File security findings (leaked credentials) publicly like other issues; by default they are only shown."),
        .init(
            "publishing.close_resolved", .boolean, default: .bool(true),
            "Close an issue Ticket-Master filed once its evidence is gone, saying where it went; false only comments."),
        .init(
            "publishing.milestone", .integer(minimum: 1, maximum: Int.max), default: .null,
            "The milestone every filed issue goes in: its number on GitHub and Gitea, its id on GitLab."),
        .init(
            "analysis.markers", .stringList, default: .list([]),
            "Marker words to find besides TODO, FIXME, HACK, XXX and BUG (NEEDSWORK, …), matched in upper case."),
        .init(
            "repository.max_commits", .integer(minimum: 1, maximum: 10_000_000), default: .null,
            "How many recent commits to analyse; null analyses the whole history."),
        .init(
            "repository.since", .dateOrAge, default: .null,
            "Only analyse commits after this date (2024-01-31) or age (90d, 12w, 6m, 1y)."),
        .init(
            "repository.first_parent", .boolean, default: .bool(false),
            "Follow only the first parent of merges, as `git log --first-parent` does."),
        .init(
            "repository.ignore_patterns", .stringList,
            default: .list(["node_modules", "dist", "build", "vendor", "*.min.js", "*.lock"]),
            "Paths to leave out of analysis: a name matches any path component, a glob matches the path."),
        .init(
            "repository.jobs", .integer(minimum: 1, maximum: 256), default: .null,
            "Parallel workers for analysis; null uses every core."),
        .init(
            "repository.cache", .boolean, default: .bool(true),
            "Keep per-commit facts so a second analysis only reads new commits."),
        .init(
            "repository.large_file_bytes", .integer(minimum: 1024, maximum: Int.max), default: .int(1_000_000),
            "Tracked files larger than this are reported as large files."),
        .init(
            "issue_generation.max_issues", .integer(minimum: 1, maximum: 100), default: .int(5),
            "The most issues one run suggests."),
        .init(
            "issue_generation.max_per_kind", .integer(minimum: 1, maximum: 100), default: .int(2),
            "The most issues one run suggests from one kind of finding, so that one kind cannot fill the list."),
        .init(
            "issue_generation.min_severity", .choice(Severity.allCases.map(\.rawValue)), default: .string("medium"),
            "Findings below this severity are not suggested (they stay in the analysis report)."),
        .init(
            "issue_generation.issue_template", .string, default: .string("auto"),
            "Which of the repository's issue templates and forms drafts follow: auto (chosen by labels and name), none, or one template's file or name."
        ),
        .init(
            "issue_generation.min_description_length", .integer(minimum: 0, maximum: 100_000), default: .int(50),
            "Drafts whose body is shorter than this many characters are rejected."),
        .init(
            "issue_generation.templates", .issueTypes,
            default: .issueTypes(
                IssueType.allCases.map { IssueTypePreference(type: $0, priority: $0.defaultPriority) }),
            "Which kinds of issue to suggest and how to rank them (documentation, testing, refactoring, maintenance)."),
        .init(
            "issue_generation.review_threshold", .integer(minimum: 0, maximum: 100), default: .int(60),
            "Model drafts the reviewing model scores below this are rewritten once, then replaced by the plain writer."),
        .init(
            "issue_generation.duplicate_embedding_similarity", .number(minimum: 0.5, maximum: 1), default: .double(0.9),
            "Drafts whose embedding is at least this similar to an existing issue's are duplicates."),
        .init(
            "pipeline.stages", .pipelineStages, default: .stages(PipelineStage.defaults),
            "The model stages: an optional discover stage, one draft stage, then review stages, each with its own model and template if set."
        ),
        .init(
            "pipeline.discover", .boolean, default: .bool(false),
            "Before planning, the model reads the hottest code for defects; only those whose cited lines and quoted code hold become findings (--discover)."
        ),
        .init(
            "pipeline.discovery_passages", .integer(minimum: 1, maximum: 100), default: .int(6),
            "The most passages of code the discover stage reads in a run, one model call each."),
        .init(
            "prompts.directory", .string, default: .null,
            "A folder of Mustache templates overriding the built-in prompts (draft.system.mustache, ...)."),
        .init(
            "llm.provider", .choice(["auto", "none", "local", "ollama", "openai", "anthropic", "gemini"]),
            default: .string("auto"),
            "Which model service writes the issues; auto picks the first one available."),
        .init(
            "llm.model", .string, default: .null,
            "The model name; null uses the provider's default."),
        .init(
            "llm.prompt_token_budget", .integer(minimum: 256, maximum: 1_000_000), default: .null,
            "The most tokens one prompt may have; the findings and code a model reads are cut down to fit. Unset: 6000 for OpenAI, Anthropic and Gemini, 1200 for local, Ollama and other servers."
        ),
        .init(
            "llm.embedding_model", .string, default: .null,
            "The provider's model for embeddings in de-duplication; null uses the chat model, none turns them off."),
        .init(
            "llm.temperature", .number(minimum: 0, maximum: 2), default: .double(0.2),
            "Sampling temperature; low values keep suggestions close to the evidence."),
        .init(
            "llm.max_tokens", .integer(minimum: 16, maximum: 200_000), default: .int(1000),
            "The most tokens one reply may use."),
        .init(
            "llm.fallback", .stringList, default: .list([]),
            "Models to try, in order, when the configured one fails: provider or provider/model, e.g. [\"local\"]."),
        .init(
            "llm.max_cost", .number(minimum: 0, maximum: 1_000_000), default: .null,
            "Stop using models before a run would spend more than this many US dollars."),
        .init(
            "llm.prices", .stringList, default: .list([]),
            "Prices in US dollars per million tokens: \"provider/model=prompt:completion\" entries."),
        .init(
            "llm.ollama.base_url", .url, default: .string("http://localhost:11434"),
            "Where Ollama listens.", environment: ["OLLAMA_HOST"]),
        .init(
            "llm.ollama.timeout", .integer(minimum: 1, maximum: 3600), default: .int(120),
            "Seconds to wait for one Ollama reply."),
        .init(
            "llm.ollama.num_ctx", .integer(minimum: 0, maximum: 10_000_000), default: .null,
            "The context window Ollama loads the model with, in tokens; null or 0 leaves it to the server."),
        .init(
            "llm.ollama.auto_pull", .boolean, default: .bool(false),
            "Pull the configured model into Ollama without asking when Ollama does not have it."),
        .init(
            "llm.openai.api_key", .string, default: .null,
            "Key for the OpenAI-compatible API; prefer the OPENAI_API_KEY environment variable.",
            environment: ["OPENAI_API_KEY"], secret: true),
        .init(
            "llm.openai.base_url", .url, default: .string("https://api.openai.com/v1"),
            "Root of any OpenAI-compatible API: OpenAI, llama.cpp, vLLM, LM Studio, OpenRouter."),
        .init(
            "llm.openai.organization", .string, default: .null,
            "OpenAI organization ID sent with each request."),
        .init(
            "llm.openai.token_limit_field", .choice(OpenAICompatibleModel.TokenLimitField.allCases.map(\.rawValue)),
            default: .string("auto"),
            "The request field for llm.max_tokens; auto sends max_completion_tokens to api.openai.com, else max_tokens."
        ),
        .init(
            "llm.anthropic.api_key", .string, default: .null,
            "Key for Anthropic; prefer the ANTHROPIC_API_KEY environment variable.",
            environment: ["ANTHROPIC_API_KEY"], secret: true),
        .init(
            "llm.gemini.api_key", .string, default: .null,
            "Key for Gemini; prefer the GEMINI_API_KEY environment variable.",
            environment: ["GEMINI_API_KEY"], secret: true),
        .init(
            "history.path", .string, default: .null,
            "The history database; null uses $XDG_DATA_HOME/ticket-master/history.sqlite (~/.local/share/...)."),
        .init(
            "history.keep_prompts", .boolean, default: .bool(false),
            "Keep the text of every prompt and model reply in the history, not only tokens and cost."),
        .init(
            "database.url", .string, default: .null,
            "A PostgreSQL history shared by every process and machine (postgres://USER:PASSWORD@HOST:PORT/DATABASE, "
                + "?sslmode=disable, prefer or require); null keeps the history in the SQLite file of history.path. "
                + "Prefer the TICKET_MASTER_DATABASE_URL environment variable.",
            secret: true),
        .init(
            "logging.level", .choice(LogLevelName.allCases.map(\.rawValue)), default: .string("INFO"),
            "How much to log to standard error."),
        .init(
            "logging.file", .string, default: .null,
            "Also append logs to this file."),
    ]

    /// Keys of the original Python configuration that Ticket-Master does not read, with what to do instead.
    public static let unsupported: [String: String] = [
        "llm.huggingface": "in-process Hugging Face models are not supported; serve the model with an "
            + "OpenAI-compatible server (llama.cpp, vLLM) and set llm.provider: openai and llm.openai.base_url",
        "logging.format": "log lines have a fixed format; remove this key",
        "advanced.cache_dir": "the analysis cache lives in the user cache folder; remove this key",
        "advanced.cache_max_age": "cached facts are keyed by commit hash and never go stale; remove this key",
        "advanced.parallel.enabled": "analysis always runs in parallel; set repository.jobs: 1 to use one worker",
    ]

    /// Keys of the original Python configuration that are read under a new name.
    public static let renamed: [String: String] = [
        "advanced.enable_caching": "repository.cache",
        "advanced.parallel.max_workers": "repository.jobs",
    ]

    /// The key at `path`, if there is one.
    public static func named(_ path: String) -> ConfigurationKey? { byPath[path] }

    private static let byPath: [String: ConfigurationKey] = Dictionary(
        uniqueKeysWithValues: all.map { ($0.path, $0) })
}

extension Double {
    fileprivate var formatted: String {
        self == rounded() ? String(Int(self)) : String(self)
    }
}
