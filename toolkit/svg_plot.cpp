#include "svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace slim::toolkit {

namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

std::string tick_text(double v) {
  char buf[32];
  if (v != 0 && (std::fabs(v) < 1e-3 || std::fabs(v) >= 1e5)) {
    std::snprintf(buf, sizeof(buf), "%.0e", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%g", v);
  }
  return buf;
}

// "Nice" linear ticks covering [lo, hi].
std::vector<double> linear_ticks(double lo, double hi) {
  const double span = hi - lo > 0 ? hi - lo : 1.0;
  const double raw = span / 6.0;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= m * mag) {
      step = m * mag;
      break;
    }
  }
  std::vector<double> t;
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) t.push_back(v);
  return t;
}

}  // namespace

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // Control characters are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n') out += c;
    }
  }
  return out;
}

std::vector<bool> pareto_front(const std::vector<PlotPoint>& points) {
  std::vector<bool> front(points.size(), true);
  for (size_t i = 0; i < points.size(); ++i) {
    for (size_t j = 0; j < points.size(); ++j) {
      if (i == j) continue;
      const PlotPoint& a = points[i];
      const PlotPoint& b = points[j];
      const bool no_worse = b.x <= a.x && b.y <= a.y;
      const bool better = b.x < a.x || b.y < a.y;
      if (no_worse && better) {
        front[i] = false;
        break;
      }
    }
  }
  return front;
}

std::string render_scatter_svg(const PlotSpec& spec, const std::vector<PlotPoint>& all) {
  std::vector<PlotPoint> pts;
  for (const PlotPoint& p : all) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y) || (spec.log_y && p.y <= 0)) continue;
    pts.push_back(p);
  }
  const double W = spec.width, H = spec.height;
  const double left = 90, right = 30, top = 50, bottom = 70;
  const double pw = W - left - right, ph = H - top - bottom;
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (!pts.empty()) {
    x0 = x1 = pts[0].x;
    y0 = y1 = spec.log_y ? std::log10(pts[0].y) : pts[0].y;
    for (const PlotPoint& p : pts) {
      const double y = spec.log_y ? std::log10(p.y) : p.y;
      x0 = std::min(x0, p.x);
      x1 = std::max(x1, p.x);
      y0 = std::min(y0, y);
      y1 = std::max(y1, y);
    }
  }
  // Margins so points are not on the frame.
  const double xm = (x1 - x0) > 0 ? (x1 - x0) * 0.08 : std::max(std::fabs(x0) * 0.1, 1.0);
  x0 -= xm;
  x1 += xm;
  if (spec.log_y) {
    y0 = std::floor(y0 - 0.05);
    y1 = std::ceil(y1 + 0.05);
    if (y1 - y0 < 1) y1 = y0 + 1;
  } else {
    const double ym = (y1 - y0) > 0 ? (y1 - y0) * 0.08 : std::max(std::fabs(y0) * 0.1, 1.0);
    y0 -= ym;
    y1 += ym;
  }
  auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * pw; };
  auto py = [&](double y) {
    const double v = spec.log_y ? std::log10(y) : y;
    return top + (1.0 - (v - y0) / (y1 - y0)) * ph;
  };

  std::string s;
  s += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + num(W) +
       "\" height=\"" + num(H) + "\" viewBox=\"0 0 " + num(W) + " " + num(H) +
       "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  s += "<title>" + xml_escape(spec.title) + "</title>\n";
  s +=
      "<rect x=\"0\" y=\"0\" width=\"" + num(W) + "\" height=\"" + num(H) + "\" fill=\"white\"/>\n";
  s += "<text x=\"" + num(W / 2) + "\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">" +
       xml_escape(spec.title) + "</text>\n";
  // Frame, grid and ticks.
  s += "<g stroke=\"#dddddd\">\n";
  std::string labels;
  for (double t : linear_ticks(x0, x1)) {
    s += "<line x1=\"" + num(px(t)) + "\" y1=\"" + num(top) + "\" x2=\"" + num(px(t)) + "\" y2=\"" +
         num(top + ph) + "\"/>\n";
    labels += "<text x=\"" + num(px(t)) + "\" y=\"" + num(top + ph + 18) +
              "\" text-anchor=\"middle\">" + xml_escape(tick_text(t)) + "</text>\n";
  }
  if (spec.log_y) {
    for (double e = y0; e <= y1 + 1e-9; e += 1) {
      const double v = std::pow(10.0, e);
      s += "<line x1=\"" + num(left) + "\" y1=\"" + num(py(v)) + "\" x2=\"" + num(left + pw) +
           "\" y2=\"" + num(py(v)) + "\"/>\n";
      labels += "<text x=\"" + num(left - 8) + "\" y=\"" + num(py(v) + 4) +
                "\" text-anchor=\"end\">" + xml_escape(tick_text(v)) + "</text>\n";
    }
  } else {
    for (double t : linear_ticks(y0, y1)) {
      s += "<line x1=\"" + num(left) + "\" y1=\"" + num(py(t)) + "\" x2=\"" + num(left + pw) +
           "\" y2=\"" + num(py(t)) + "\"/>\n";
      labels += "<text x=\"" + num(left - 8) + "\" y=\"" + num(py(t) + 4) +
                "\" text-anchor=\"end\">" + xml_escape(tick_text(t)) + "</text>\n";
    }
  }
  s += "</g>\n";
  s += "<rect x=\"" + num(left) + "\" y=\"" + num(top) + "\" width=\"" + num(pw) + "\" height=\"" +
       num(ph) + "\" fill=\"none\" stroke=\"black\"/>\n";
  s += labels;
  s += "<text x=\"" + num(left + pw / 2) + "\" y=\"" + num(H - 20) +
       "\" text-anchor=\"middle\" font-size=\"13\">" + xml_escape(spec.x_label) + "</text>\n";
  s += "<text x=\"20\" y=\"" + num(top + ph / 2) + "\" text-anchor=\"middle\" font-size=\"13\"" +
       " transform=\"rotate(-90 20 " + num(top + ph / 2) + ")\">" + xml_escape(spec.y_label) +
       (spec.log_y ? " (log scale)" : "") + "</text>\n";
  // Highlighted line, in x order.
  std::vector<PlotPoint> hl;
  for (const PlotPoint& p : pts) {
    if (p.highlight) hl.push_back(p);
  }
  std::sort(hl.begin(), hl.end(), [](const PlotPoint& a, const PlotPoint& b) { return a.x < b.x; });
  if (hl.size() > 1) {
    std::string path;
    for (const PlotPoint& p : hl) path += num(px(p.x)) + "," + num(py(p.y)) + " ";
    path.pop_back();
    s += "<polyline points=\"" + path +
         "\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\" stroke-dasharray=\"6 3\"/>\n";
  }
  for (const PlotPoint& p : pts) {
    const std::string colour = p.highlight ? "#d62728" : "#1f77b4";
    s += "<circle cx=\"" + num(px(p.x)) + "\" cy=\"" + num(py(p.y)) + "\" r=\"" +
         (p.highlight ? "6" : "4.5") + "\" fill=\"" + colour + "\"/>\n";
    s += "<text x=\"" + num(px(p.x) + 8) + "\" y=\"" + num(py(p.y) - 8) + "\" fill=\"" + colour +
         "\">" + xml_escape(p.label) + "</text>\n";
  }
  if (!hl.empty()) {
    s += "<g transform=\"translate(" + num(left + pw - 150) + "," + num(top + 14) + ")\">\n";
    s += "<line x1=\"0\" y1=\"0\" x2=\"24\" y2=\"0\" stroke=\"#d62728\" stroke-width=\"2\" "
         "stroke-dasharray=\"6 3\"/>\n";
    s += "<circle cx=\"12\" cy=\"0\" r=\"5\" fill=\"#d62728\"/>\n";
    s += "<text x=\"30\" y=\"4\">" + xml_escape(spec.highlight_legend) + "</text>\n</g>\n";
  }
  s += "</svg>\n";
  return s;
}

}  // namespace slim::toolkit
