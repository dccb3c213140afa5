#pragma once
/// JSON form of the bench report (docs/bench.md, docs/bench.schema.json), and
/// of its rows (the worker processes answer with them).

#include "sm121probe/report/bench_model.hpp"

#include <nlohmann/json.hpp>

namespace sm121probe::report {

[[nodiscard]] nlohmann::json to_json(const bench_timing& t);
[[nodiscard]] nlohmann::json to_json(const bench_tensor& t);
[[nodiscard]] nlohmann::json to_json(const bench_memory& m);
[[nodiscard]] nlohmann::json to_json(const bench_latency& l);
[[nodiscard]] nlohmann::json to_json(const bench_snapshot& s);
[[nodiscard]] nlohmann::json to_json(const bench_report& r);

/// The reverse, for rows a worker sends (throws nlohmann::json::exception on a malformed row).
[[nodiscard]] bench_tensor bench_tensor_from_json(const nlohmann::json& j);
[[nodiscard]] bench_memory bench_memory_from_json(const nlohmann::json& j);
[[nodiscard]] bench_latency bench_latency_from_json(const nlohmann::json& j);
[[nodiscard]] bench_snapshot bench_snapshot_from_json(const nlohmann::json& j);
[[nodiscard]] std::optional<bench_status> parse_bench_status(std::string_view s);

}  // namespace sm121probe::report
