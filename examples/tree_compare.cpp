// Comparing two binary trees by walking both at once.
//
// Walking each tree to the end and then comparing the results means both
// trees are traversed in full before the answer is known. With one in-order
// generator per tree, the comparison advances the two walks independently,
// one node at a time, and stops at the first difference: the rest of either
// tree is never visited.
//
// The walk is recursive: `co_yield coropipe::from(...)` is Python's
// `yield from`. Each element still costs O(1) whatever the depth, because
// the consumer resumes the innermost generator directly.
#include <coropipe/generator.hpp>

#include <cstddef>
#include <iostream>
#include <memory>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace {

struct node {
    int value = 0;
    std::unique_ptr<node> left;
    std::unique_ptr<node> right;
};
using tree = std::unique_ptr<node>;

// A balanced tree whose in-order sequence is `values`.
tree balanced(std::span<const int> values) {
    if (values.empty()) {
        return nullptr;
    }
    const std::size_t mid = values.size() / 2;
    auto n = std::make_unique<node>();
    n->value = values[mid];
    n->left = balanced(values.first(mid));
    n->right = balanced(values.subspan(mid + 1));
    return n;
}

// A degenerate tree (every node a right child) with the same in-order
// sequence: same values, different shape.
tree right_chain(std::span<const int> values) {
    tree root;
    for (auto it = values.rbegin(); it != values.rend(); ++it) {
        auto n = std::make_unique<node>();
        n->value = *it;
        n->right = std::move(root);
        root = std::move(n);
    }
    return root;
}

int count_nodes(const node* n) { return n == nullptr ? 0 : 1 + count_nodes(n->left.get()) + count_nodes(n->right.get()); }

// In-order walk. Parameters by value: the frame outlives this call.
// `visited` counts the nodes the walk reaches.
coropipe::generator<const int&> in_order(const node* n, int* visited) {
    if (n == nullptr) {
        co_return;
    }
    co_yield coropipe::from(in_order(n->left.get(), visited));
    ++*visited;
    co_yield n->value;
    co_yield coropipe::from(in_order(n->right.get(), visited));
}

std::string show(const std::optional<int>& v) { return v ? std::to_string(*v) : std::string("end"); }

// Advances both walks in step; returns at the first position where they
// differ. Destroying the two generators on return destroys whatever part of
// each walk is still suspended.
void compare(const char* title, const node* a, const node* b) {
    int visited = 0;
    auto left = in_order(a, &visited);
    auto right = in_order(b, &visited);
    std::cout << title << ": ";
    for (std::size_t position = 0;; ++position) {
        const std::optional<int> x = left.next();
        const std::optional<int> y = right.next();
        if (x != y) {
            std::cout << "differ at position " << position << " (" << show(x) << " vs " << show(y) << ")";
            break;
        }
        if (!x) {
            std::cout << "equal";
            break;
        }
    }
    std::cout << ", visited " << visited << " of " << count_nodes(a) + count_nodes(b) << " nodes\n";
}

} // namespace

int main() {
    std::vector<int> values(15);
    std::iota(values.begin(), values.end(), 1); // 1..15
    std::vector<int> changed = values;
    changed[3] = 40; // the fourth node in order

    const tree a = balanced(values);
    const tree b = right_chain(values);
    const tree c = balanced(changed);
    const tree d = right_chain(std::span<const int>(values).first(10)); // 1..10

    compare("balanced 1..15 vs chain 1..15", a.get(), b.get());
    compare("balanced 1..15 vs balanced with 4 -> 40", a.get(), c.get());
    compare("chain 1..15 vs chain 1..10", b.get(), d.get());
}
