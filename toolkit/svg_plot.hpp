// A small SVG scatter-plot writer (no plotting stack needed): labelled points, linear x axis,
// linear or log10 y axis, ticks and axis titles, and an optional highlighted subset joined by a
// line (e.g. a Pareto front). Output is standalone SVG 1.1, well-formed XML.
#pragma once

#include <string>
#include <vector>

namespace slim::toolkit {

struct PlotPoint {
  double x = 0, y = 0;
  std::string label;
  bool highlight = false;  // drawn in the accent colour and joined, in x order, by a line
};

struct PlotSpec {
  std::string title, x_label, y_label;
  bool log_y = false;  // points with y <= 0 are left out on a log axis
  std::string highlight_legend = "Pareto front";
  int width = 720, height = 480;
};

std::string render_scatter_svg(const PlotSpec& spec, const std::vector<PlotPoint>& points);

// The points no other point beats in both x and y (smaller is better in both): true per point.
std::vector<bool> pareto_front(const std::vector<PlotPoint>& points);

// Text escaped for XML character data and attribute values.
std::string xml_escape(const std::string& s);

}  // namespace slim::toolkit
