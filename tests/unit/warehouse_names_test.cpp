// Segment's snake_case of event and property names (runtime/warehouse),
// which names the tables and columns a warehouse source reads.

#include <gtest/gtest.h>

#include "runtime/warehouse/warehouse.h"

namespace aud::warehouse {
namespace {

TEST(WarehouseNames, SnakeCaseAsSegmentWritesTablesAndColumns) {
  const std::pair<const char*, const char*> cases[] = {
      {"Order Completed", "order_completed"},
      {"Product Added to Wishlist", "product_added_to_wishlist"},
      {"orderId", "order_id"},
      {"userID", "user_id"},
      {"HTMLParser", "html_parser"},
      {"v2Checkout", "v2_checkout"},
      {"already_snake", "already_snake"},
      {"  Signed  Up!! ", "signed_up"},
      {"a--b", "a_b"},
      {"", ""},
  };
  for (const auto& [in, out] : cases) EXPECT_EQ(SnakeCase(in), out) << in;
}

TEST(WarehouseNames, CountersJsonIsOneObject) {
  Counters c;
  c.rows_read = 3;
  c.accepted = 1;
  c.quarantined = 1;
  c.duplicates = 1;
  c.quarantined_by_reason["missing-id"] = 1;
  c.tables["web.tracks"].rows_read = 3;
  c.tables["web.tracks"].watermark = "2026-01-01 00:00:00+00";
  c.missing_tables.push_back("web.groups");
  EXPECT_EQ(CountersJson(c),
            "{\"rows_read\":3,\"accepted\":1,\"quarantined\":1,\"duplicates\":1,"
            "\"rows_cached\":0,\"full_reload\":false,\"quarantined_by_reason\":{\"missing-id\":1},"
            "\"tables\":{\"web.tracks\":{\"rows_read\":3,\"accepted\":0,\"quarantined\":0,"
            "\"duplicates\":0,\"watermark\":\"2026-01-01 00:00:00+00\"}},"
            "\"missing_tables\":[\"web.groups\"]}");
}

}  // namespace
}  // namespace aud::warehouse
