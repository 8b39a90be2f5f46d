/// Runs `work` on every item, at most `limit` at a time, and returns the results in the items' order.
///
/// Most of what the analysis asks git after the history read is many short processes whose time is mostly
/// start-up: two at a time halves their wall time on two cores without crowding the machine.
func concurrentMap<Item: Sendable, Output: Sendable>(
    _ items: [Item], limit: Int, _ work: @escaping @Sendable (Item) async throws -> Output
) async throws -> [Output] {
    try await withThrowingTaskGroup(of: (Int, Output).self) { group in
        var results = [Output?](repeating: nil, count: items.count)
        var next = 0
        func addNext() {
            guard next < items.count else { return }
            let (index, item) = (next, items[next])
            next += 1
            group.addTask { (index, try await work(item)) }
        }
        for _ in 0..<max(1, limit) { addNext() }
        while let (index, output) = try await group.next() {
            results[index] = output
            addNext()
        }
        return results.compactMap { $0 }
    }
}
