// `sm121-probe list`: the probe catalog.
#include "commands.hpp"
#include "sm121probe/probe/registry.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>

namespace sm121probe::cli {

namespace {

std::string variants_of(const probe::probe& p) {
  std::string out;
  for (const auto& v : p.variants) {
    const std::string t = v.target.how == probe::target_spec::kind::device_native ? "device SASS" : v.target.name;
    out += fmt::format("{}{} ({}{})", out.empty() ? "" : ", ", v.label, t, v.fallback ? ", fallback" : "");
  }
  return out;
}

}  // namespace

command add_list_command(CLI::App& root, context& ctx) {
  auto format = std::make_shared<std::string>("text");
  CLI::App* sub = root.add_subcommand("list", "List the probes: id, category, variants, description");
  sub->add_option("--format", *format, "text | json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  return {sub, [format, &ctx] {
            const auto probes = probe::all_probes();
            if (*format == "json") {
              nlohmann::json list = nlohmann::json::array();
              for (const auto& p : probes) {
                nlohmann::json vs = nlohmann::json::array();
                for (const auto& v : p.variants)
                  vs.push_back({{"label", v.label},
                                {"target", v.target.how == probe::target_spec::kind::device_native ? "device"
                                                                                                      : v.target.name},
                                {"fallback", v.fallback}});
                list.push_back({{"id", p.id},
                                {"category", p.category},
                                {"description", p.description},
                                {"kernel", p.kernel},
                                {"variants", vs}});
              }
              ctx.out << list.dump(2) << '\n';
              return 0;
            }
            std::size_t w = 2, cw = 8;
            for (const auto& p : probes) {
              w = std::max(w, p.id.size());
              cw = std::max(cw, p.category.size());
            }
            ctx.out << fmt::format("{:<{}}  {:<{}}  {}\n", "ID", w, "CATEGORY", cw, "DESCRIPTION");
            for (const auto& p : probes) {
              ctx.out << fmt::format("{:<{}}  {:<{}}  {}\n", p.id, w, p.category, cw, p.description);
              ctx.out << fmt::format("{:<{}}  {:<{}}  variants: {}\n", "", w, "", cw, variants_of(p));
            }
            return 0;
          }};
}

}  // namespace sm121probe::cli
