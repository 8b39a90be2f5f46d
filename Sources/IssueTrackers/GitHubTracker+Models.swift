import Foundation

/// The parts of GitHub's JSON that the tracker reads; names follow GitHub's, keys are spelled out.
struct GitHubUser: Decodable {
    var login: String
    var name: String?
}

struct GitHubRepository: Decodable {
    struct Permissions: Decodable {
        var admin: Bool
        var maintain: Bool?
        var push: Bool
        var triage: Bool?
        var pull: Bool
    }

    var fullName: String
    var htmlURL: String
    var `private`: Bool?
    var hasIssues: Bool?
    var permissions: Permissions?

    enum CodingKeys: String, CodingKey {
        case fullName = "full_name"
        case htmlURL = "html_url"
        case `private`
        case hasIssues = "has_issues"
        case permissions
    }
}

struct GitHubLabel: Decodable {
    var name: String
    var color: String?
    var description: String?

    var label: IssueLabel { IssueLabel(name: name, color: color ?? "ededed", description: description) }
}

struct GitHubIssue: Decodable {
    /// GitHub accepts and (in old payloads) returns labels either as objects or as plain names.
    enum Label: Decodable {
        case named(String)
        case object(GitHubLabel)

        init(from decoder: any Decoder) throws {
            if let name = try? decoder.singleValueContainer().decode(String.self) {
                self = .named(name)
            } else {
                self = .object(try GitHubLabel(from: decoder))
            }
        }

        var name: String {
            switch self {
            case .named(let name): name
            case .object(let label): label.name
            }
        }
    }

    struct Marker: Decodable {}

    var number: Int
    var htmlURL: String
    var title: String
    var body: String?
    var state: IssueState
    var labels: [Label]
    var assignees: [GitHubUser]?
    var pullRequest: Marker?
    var createdAt: Date?
    var updatedAt: Date?
    /// `completed`, `not_planned`, `reopened`, `duplicate` or null; only the first two are kept.
    var stateReason: String?

    enum CodingKeys: String, CodingKey {
        case number, title, body, state, labels, assignees
        case stateReason = "state_reason"
        case htmlURL = "html_url"
        case pullRequest = "pull_request"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    var tracked: TrackedIssue {
        TrackedIssue(
            number: number, url: htmlURL, title: title, body: body ?? "", labels: labels.map(\.name), state: state,
            assignees: (assignees ?? []).map(\.login), createdAt: createdAt, updatedAt: updatedAt,
            closeReason: state == .closed ? stateReason.flatMap(IssueCloseReason.init(rawValue:)) : nil)
    }
}

struct GitHubSearchResult: Decodable {
    var items: [GitHubIssue]
}

struct GitHubComment: Decodable {
    var id: Int
    var htmlURL: String?
    var body: String?

    enum CodingKeys: String, CodingKey {
        case id, body
        case htmlURL = "html_url"
    }
}

/// RFC 8288 `Link` headers, as GitHub and Gitea paginate: `<https://…?page=2>; rel="next", <…>; rel="last"`.
enum LinkHeader {
    /// The target of the `next` relation, if any.
    static func next(_ header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let target = pieces.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
            let isNext = pieces.dropFirst().contains { piece in
                let relation = piece.replacingOccurrences(of: " ", with: "").lowercased()
                return relation == "rel=\"next\"" || relation == "rel=next"
            }
            if isNext { return String(target.dropFirst().dropLast()) }
        }
        return nil
    }
}
