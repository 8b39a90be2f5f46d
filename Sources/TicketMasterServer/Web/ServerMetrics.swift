import Foundation
import Hummingbird
import Prometheus
import TicketMaster

/// What the service counts, in Prometheus's text format at `/metrics`: requests and their latency by route, runs
/// started and how they ended, model tokens and cost, and filing results. The registry belongs to one server (no
/// process-wide metrics system), so several servers in one test process never mix their numbers.
struct ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    private static let latencyBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
    ]

    private func counter(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> Counter {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "ticket_master", metricName: name, helpText: help),
            labels: labels)
    }

    /// One answered request.
    func request(method: String, route: String, status: Int, duration: Duration) {
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "ticket_master", metricName: "http_request_duration", unitName: "seconds",
                helpText: "Time to answer a request, by method, route and status."),
            labels: [("method", method), ("route", route), ("status", String(status))],
            buckets: Self.latencyBuckets
        ).record(duration)
    }

    /// A run was started with `provider`.
    func runStarted(provider: String) {
        counter("runs_started_total", "Runs started from the web service, by model service.", [("provider", provider)])
            .increment()
    }

    /// A run, or its filing, ended in `state`.
    func runEnded(_ state: RunRequestState) {
        counter("runs_ended_total", "Runs and filings ended, by state.", [("state", state.rawValue)]).increment()
    }

    /// Counts what `event` says was spent or filed.
    func observe(_ event: RunEvent) {
        switch event {
        case .modelCall(_, _, let prompt, let completion, let cost):
            counter("model_tokens_total", "Tokens sent to and received from models.", [("kind", "prompt")])
                .increment(by: Int64(prompt))
            counter("model_tokens_total", "Tokens sent to and received from models.", [("kind", "completion")])
                .increment(by: Int64(completion))
            if let cost {
                counter("model_cost_dollars_total", "What model calls cost, in US dollars.").increment(by: cost)
            }
        case .issueFiled: filing("filed")
        case .issueSkipped: filing("skipped")
        case .issueFailed: filing("failed")
        case .duplicateSetAside: filing("duplicate")
        case .issueUpdated(_, _, let closed, _):
            counter(
                "issues_updated_total",
                "Issues filed earlier that were commented on or closed as their evidence moved.",
                [("action", closed ? "closed" : "commented")]
            ).increment()
        case .rateLimitWait: counter("rate_limit_waits_total", "Waits for a tracker's rate limit.").increment()
        default: break
        }
    }

    private func filing(_ result: String) {
        counter("issues_total", "Drafts filed, skipped, failed or set aside as duplicates.", [("result", result)])
            .increment()
    }
}

/// Times every request into ``ServerMetrics``, labelled by its route pattern (never its concrete path, so the
/// number of series stays bounded).
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let metrics: ServerMetrics

    func handle(
        _ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        defer {
            metrics.request(
                method: request.method.rawValue, route: context.endpointPath ?? "unmatched", status: status,
                duration: ContinuousClock.now - start)
        }
        let response = try await next(request, context)
        status = response.status.code
        return response
    }
}
