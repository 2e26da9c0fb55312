// The SVG writer of slim compare-quants: Pareto front by definition, escaping, and points with no
// place on a log axis. Well-formedness is checked by a real XML parser in
// tests/integration/quant_eval_test.py (compare_quants).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "svg_plot.hpp"

namespace slim::toolkit {
namespace {

size_t count(const std::string& s, const std::string& part) {
  size_t n = 0;
  for (size_t p = s.find(part); p != std::string::npos; p = s.find(part, p + 1)) ++n;
  return n;
}

TEST(SvgPlot, ParetoFrontKeepsOnlyUndominatedPoints) {
  // (size, kld): b dominates d (smaller in both); a, b, c trade off; e equals b (not dominated).
  const std::vector<PlotPoint> pts = {{1.0, 0.5, "a", false},  {2.0, 0.1, "b", false},
                                      {4.0, 0.01, "c", false}, {3.0, 0.2, "d", false},
                                      {2.0, 0.1, "e", false},  {5.0, 0.02, "f", false}};
  EXPECT_EQ(pareto_front(pts), (std::vector<bool>{true, true, true, false, true, false}));
  EXPECT_TRUE(pareto_front({}).empty());
}

TEST(SvgPlot, EscapesTextAndDropsUnplottablePoints) {
  EXPECT_EQ(xml_escape("a<b & \"c\" 'd'>\x01"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
  PlotSpec spec;
  spec.title = "Q<4> & co";
  spec.x_label = "size";
  spec.y_label = "kld";
  spec.log_y = true;
  const std::vector<PlotPoint> pts = {
      {1.0, 0.0, "zero", false}, {2.0, 0.01, "Q4_0 & <x>", true}, {3.0, 0.001, "Q8_0", true}};
  const std::string svg = render_scatter_svg(spec, pts);
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("Q&lt;4&gt; &amp; co"), std::string::npos);
  EXPECT_NE(svg.find("Q4_0 &amp; &lt;x&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("zero"), std::string::npos);  // y = 0 has no place on a log axis
  EXPECT_EQ(count(svg, "<circle"), 3u);            // two points + the legend marker
  EXPECT_EQ(count(svg, "<polyline"), 1u);
  EXPECT_NE(svg.find("(log scale)"), std::string::npos);
  EXPECT_EQ(count(svg, "<svg"), count(svg, "</svg>"));
}

}  // namespace
}  // namespace slim::toolkit
