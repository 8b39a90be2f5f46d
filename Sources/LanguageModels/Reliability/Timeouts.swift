/// How long to wait for a provider, in three senses.
public struct Timeouts: Sendable, Hashable {
    /// To open a connection.
    public var connect: Duration
    /// For the next byte once the request is sent. A reply that is not streamed sends nothing until the model
    /// has finished, so this also bounds the generation time of such replies.
    public var idle: Duration
    /// For one whole attempt, from sending the request to the last byte of the reply.
    public var request: Duration

    /// Creates timeouts.
    public init(connect: Duration = .seconds(10), idle: Duration = .seconds(120), request: Duration = .seconds(300)) {
        self.connect = connect
        self.idle = idle
        self.request = request
    }

    /// Connect 10 s, idle 120 s, request 300 s: generous, because a local model on a laptop is slow.
    public static let standard = Timeouts()
}
