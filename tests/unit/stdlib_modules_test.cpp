// The standard library (stdlib/): every std module is embedded, non-empty,
// byte-identical to its source file, parses without diagnostics, and is
// listed by StdModuleNames().

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/parse/parse.h"
#include "stdlib/stdlib.h"

namespace aud::stdlib {
namespace {

const std::vector<std::string> kModules = {"std/ecommerce", "std/governance", "std/policies",
                                           "std/segment"};

std::string ReadSource(const std::string& import_path) {
  std::ifstream in(std::string(AUD_SOURCE_DIR) + "/stdlib/" + import_path + ".aud",
                   std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(StdlibModules, NamesAreListedSorted) { EXPECT_EQ(StdModuleNames(), kModules); }

TEST(StdlibModules, EveryModuleIsEmbeddedByteExact) {
  for (const std::string& name : kModules) {
    std::optional<std::string_view> text = StdModule(name);
    ASSERT_TRUE(text.has_value()) << name;
    EXPECT_FALSE(text->empty()) << name;
    EXPECT_EQ(*text, ReadSource(name)) << name << " differs from stdlib/" << name << ".aud";
    EXPECT_EQ(text->substr(0, 2), "# ") << name << " starts with a comment header";
  }
}

TEST(StdlibModules, EveryModuleParsesCleanly) {
  for (const std::string& name : kModules) {
    base::SourceManager sm;
    base::Diagnostics diags(sm);
    base::FileId id = sm.Add(name + ".aud", std::string(*StdModule(name)));
    std::unique_ptr<ast::File> file = parse::ParseFile(id, diags);
    EXPECT_NE(file, nullptr) << name;
    EXPECT_TRUE(diags.all().empty()) << diags.Render();
    if (file) {
      EXPECT_FALSE(file->decls.empty()) << name;
    }
  }
}

TEST(StdlibModules, UnknownPathsAreNotModules) {
  EXPECT_FALSE(StdModule("std/nope").has_value());
  EXPECT_FALSE(StdModule("std/governance.aud").has_value());
  EXPECT_FALSE(StdModule("governance").has_value());
  EXPECT_FALSE(StdModule("").has_value());
}

// Spot checks that the modules declare what docs/reference/language.md promises.
TEST(StdlibModules, DeclareTheDocumentedNames) {
  std::string gov(*StdModule("std/governance"));
  for (int i = 1; i <= 12; ++i) {
    EXPECT_NE(gov.find("\nlabel C" + std::to_string(i) + " \""), std::string::npos) << "C" << i;
  }
  for (const char* l : {"I1", "I2", "S1", "S2"}) {
    EXPECT_NE(gov.find(std::string("\nlabel ") + l + " \""), std::string::npos) << l;
  }
  for (const char* a :
       {"analytics", "combine_with_pii", "cross_site_targeting", "data_science", "email_targeting",
        "export_to_third_party", "onsite_advertising", "onsite_personalization", "segment_match",
        "single_identity_personalization"}) {
    EXPECT_NE(gov.find(std::string("\naction ") + a + " \""), std::string::npos) << a;
  }

  std::string pol(*StdModule("std/policies"));
  EXPECT_NE(pol.find("import \"std/governance\""), std::string::npos);
  EXPECT_NE(pol.find("deny export_to_third_party when C2\n"), std::string::npos);

  std::string ecom(*StdModule("std/ecommerce"));
  for (const char* e : {"event products_searched \"Products Searched\"",
                        "event product_list_viewed \"Product List Viewed\"",
                        "event product_list_filtered \"Product List Filtered\"",
                        "event promotion_viewed \"Promotion Viewed\"",
                        "event promotion_clicked \"Promotion Clicked\"",
                        "event product_clicked \"Product Clicked\"",
                        "event product_viewed \"Product Viewed\"",
                        "event product_added \"Product Added\"",
                        "event product_removed \"Product Removed\"",
                        "event cart_viewed \"Cart Viewed\"",
                        "event checkout_started \"Checkout Started\"",
                        "event checkout_step_viewed \"Checkout Step Viewed\"",
                        "event checkout_step_completed \"Checkout Step Completed\"",
                        "event payment_info_entered \"Payment Info Entered\"",
                        "event order_updated \"Order Updated\"",
                        "event order_completed \"Order Completed\"",
                        "event order_refunded \"Order Refunded\"",
                        "event order_cancelled \"Order Cancelled\"",
                        "event coupon_entered \"Coupon Entered\"",
                        "event coupon_applied \"Coupon Applied\"",
                        "event coupon_denied \"Coupon Denied\"",
                        "event coupon_removed \"Coupon Removed\"",
                        "event product_added_to_wishlist \"Product Added to Wishlist\"",
                        "event product_removed_from_wishlist \"Product Removed from Wishlist\"",
                        "event wishlist_product_added_to_cart \"Wishlist Product Added to Cart\"",
                        "event product_shared \"Product Shared\"",
                        "event cart_shared \"Cart Shared\"",
                        "event product_reviewed \"Product Reviewed\""}) {
    EXPECT_NE(ecom.find(std::string("\n") + e + " {\n"), std::string::npos) << e;
  }

  std::string seg(*StdModule("std/segment"));
  EXPECT_NE(seg.find("\nevent page_viewed page {\n"), std::string::npos);
  EXPECT_NE(seg.find("\nevent screen_viewed screen {\n"), std::string::npos);
}

}  // namespace
}  // namespace aud::stdlib
