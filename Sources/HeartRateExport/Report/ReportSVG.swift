import Foundation

/// Self-contained SVG (no fonts to fetch, no scripts): a heat map of days × hours coloured by median bpm,
/// the daily resting heart rate as a line and, under it, the nightly HRV (RMSSD), and the days with gaps marked.
public enum ReportSVG {
    static let scaleLow = 40.0, scaleHigh = 160.0

    public static func month(_ picture: MonthPicture, user: String) -> String {
        let cell = (w: 26.0, h: 14.0)
        let left = 78.0, top = 64.0
        let mapWidth = cell.w * 24, mapHeight = cell.h * Double(picture.days)
        let chartTop = top + mapHeight + 56, chartHeight = 150.0
        let hrvTop = chartTop + chartHeight + 56
        let width = left + mapWidth + 190, height = hrvTop + chartHeight + 60
        var svg = header(width: width, height: height)
        svg += text(left, 28, "Heart rate of \(user), \(picture.month) (\(picture.detail.rawValue), \(picture.rows.formatted()) samples)", size: 18, weight: "bold")
        svg += text(left, 48, "Median bpm per local hour. Days marked \u{2715} are not complete (partial, empty, no access, failed or not exported).", size: 11, fill: "#555")
        for hour in stride(from: 0, to: 24, by: 3) {
            svg += text(left + Double(hour) * cell.w + 2, top - 6, String(format: "%02d:00", hour), size: 10, fill: "#444")
        }
        for day in 0..<picture.days {
            let y = top + Double(day) * cell.h
            let date = picture.month.firstDay.adding(days: day)
            svg += text(left - 8, y + cell.h - 3, "\(date.components.day) \(weekday(date))", size: 10, fill: "#444", anchor: "end")
            for hour in 0..<24 {
                let color = picture.medians[day][hour].map(colour) ?? "#eeeeee"
                svg += "<rect x=\"\(fmt(left + Double(hour) * cell.w))\" y=\"\(fmt(y))\" width=\"\(fmt(cell.w - 1))\" height=\"\(fmt(cell.h - 1))\" fill=\"\(color)\"><title>\(date) \(String(format: "%02d", hour)):00 \(picture.medians[day][hour].map { "\($0) bpm" } ?? "no data")</title></rect>\n"
            }
            if picture.isGap(day) {
                svg += text(left + mapWidth + 8, y + cell.h - 3, "\u{2715} \(picture.statuses[day]?.rawValue ?? "not exported")", size: 10, fill: "#b00020")
            }
        }
        svg += legend(x: left + mapWidth + 120, y: top + 10)
        let step = cell.w * 24 / Double(picture.days)
        svg += lineChart(picture, picture.resting.map { $0.map(Double.init) }, title: "Resting heart rate (bpm)", unit: "bpm", kind: "resting",
                         colour: "#c2185b", x: left, y: chartTop, width: mapWidth, height: chartHeight, step: step)
        svg += lineChart(picture, picture.hrv, title: "Nightly heart-rate variability (RMSSD, ms)", unit: "ms", kind: "hrv",
                         colour: "#1565c0", x: left, y: hrvTop, width: mapWidth, height: chartHeight, step: step)
        return svg + "</svg>\n"
    }

    public static func year(_ pictures: [MonthPicture], user: String, year: Int) -> String {
        let cell = (w: 6.0, h: 5.0)
        let panel = (w: cell.w * 24 + 30, h: cell.h * 31 + 36)
        let width = panel.w * 4 + 40, height = panel.h * 3 + 70
        var svg = header(width: width, height: height)
        svg += text(20, 30, "Heart rate of \(user), \(year): median bpm per local hour, one panel per month", size: 16, weight: "bold")
        for (index, picture) in pictures.enumerated() {
            let x0 = 20 + Double(index % 4) * panel.w, y0 = 50 + Double(index / 4) * panel.h
            svg += text(x0, y0 + 12, "\(picture.month) · \(picture.rows.formatted()) samples", size: 10, fill: "#333")
            for day in 0..<picture.days {
                for hour in 0..<24 {
                    guard let median = picture.medians[day][hour] else { continue }
                    svg += "<rect x=\"\(fmt(x0 + Double(hour) * cell.w))\" y=\"\(fmt(y0 + 18 + Double(day) * cell.h))\" width=\"\(fmt(cell.w))\" height=\"\(fmt(cell.h))\" fill=\"\(colour(median))\"/>\n"
                }
                if picture.isGap(day) {
                    svg += "<rect x=\"\(fmt(x0 + cell.w * 24 + 2))\" y=\"\(fmt(y0 + 18 + Double(day) * cell.h))\" width=\"4\" height=\"\(fmt(cell.h - 1))\" fill=\"#b00020\"/>\n"
                }
            }
        }
        return svg + "</svg>\n"
    }

    // MARK: pieces

    private static func header(width: Double, height: Double) -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(fmt(width))\" height=\"\(fmt(height))\" viewBox=\"0 0 \(fmt(width)) \(fmt(height))\" font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    }

    /// One value per day as points joined by a line, a gap where a day has none; `kind` names the points
    /// (`class="hrv"`), so that a reader (or a test) can count them.
    private static func lineChart(_ picture: MonthPicture, _ series: [Double?], title: String, unit: String, kind: String, colour: String,
                                  x: Double, y: Double, width: Double, height: Double, step: Double) -> String {
        var svg = text(x, y - 10, title, size: 12, weight: "bold")
        let values = series.compactMap { $0 }
        let low = ((values.min() ?? 50) - 3).rounded(.down), high = ((values.max() ?? 70) + 3).rounded(.up)
        svg += "<rect x=\"\(fmt(x))\" y=\"\(fmt(y))\" width=\"\(fmt(width))\" height=\"\(fmt(height))\" fill=\"none\" stroke=\"#ccc\"/>\n"
        for tick in [low, (low + high) / 2, high] {
            let ty = y + height - (tick - low) / max(1, high - low) * height
            svg += text(x - 6, ty + 4, String(Int(tick.rounded())), size: 10, fill: "#444", anchor: "end")
        }
        if values.isEmpty { svg += text(x + 8, y + height / 2, "no value this month", size: 11, fill: "#888") }
        // One polyline per run of days with a value, so a gap shows as a gap.
        var runs = [[String]]()
        var current = [String]()
        for (day, value) in series.enumerated() {
            guard let value else {
                if !current.isEmpty { runs.append(current); current = [] }
                continue
            }
            let px = x + (Double(day) + 0.5) * step
            let py = y + height - (value - low) / max(1, high - low) * height
            current.append("\(fmt(px)),\(fmt(py))")
            let shown = value.rounded() == value ? String(Int(value)) : String(format: "%.1f", value)
            svg += "<circle class=\"\(kind)\" cx=\"\(fmt(px))\" cy=\"\(fmt(py))\" r=\"2.5\" fill=\"\(colour)\"><title>\(picture.month.firstDay.adding(days: day)): \(shown) \(unit)</title></circle>\n"
        }
        if !current.isEmpty { runs.append(current) }
        for run in runs where run.count > 1 {
            svg += "<polyline points=\"\(run.joined(separator: " "))\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\"/>\n"
        }
        for day in 0..<picture.days where picture.isGap(day) {
            svg += "<rect x=\"\(fmt(x + Double(day) * step))\" y=\"\(fmt(y + height + 4))\" width=\"\(fmt(step - 1))\" height=\"4\" fill=\"#b00020\"/>\n"
        }
        return svg
    }

    private static func legend(x: Double, y: Double) -> String {
        var svg = text(x, y - 6, "bpm", size: 10, fill: "#444")
        let steps = 12
        for i in 0..<steps {
            let value = Int(scaleHigh - (scaleHigh - scaleLow) * Double(i) / Double(steps - 1))
            svg += "<rect x=\"\(fmt(x))\" y=\"\(fmt(y + Double(i) * 10))\" width=\"14\" height=\"10\" fill=\"\(colour(value))\"/>\n"
            if i % 3 == 0 || i == steps - 1 { svg += text(x + 18, y + Double(i) * 10 + 9, String(value), size: 9, fill: "#444") }
        }
        return svg
    }

    /// Dark blue (calm) through yellow to dark red (exertion).
    static func colour(_ bpm: Int) -> String {
        let stops: [(Double, (Double, Double, Double))] = [(0, (38, 70, 140)), (0.35, (70, 170, 170)), (0.6, (245, 210, 80)), (0.8, (235, 120, 50)), (1, (150, 20, 40))]
        let t = min(1, max(0, (Double(bpm) - scaleLow) / (scaleHigh - scaleLow)))
        var index = 0
        while index < stops.count - 2 && t > stops[index + 1].0 { index += 1 }
        let (t0, c0) = stops[index], (t1, c1) = stops[index + 1]
        let f = (t - t0) / (t1 - t0)
        let rgb = [c0.0 + (c1.0 - c0.0) * f, c0.1 + (c1.1 - c0.1) * f, c0.2 + (c1.2 - c0.2) * f].map { Int($0.rounded()) }
        return String(format: "#%02x%02x%02x", rgb[0], rgb[1], rgb[2])
    }

    private static func text(_ x: Double, _ y: Double, _ content: String, size: Int, fill: String = "#111", weight: String = "normal", anchor: String = "start") -> String {
        let escaped = content.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        return "<text x=\"\(fmt(x))\" y=\"\(fmt(y))\" font-size=\"\(size)\" fill=\"\(fill)\" font-weight=\"\(weight)\" text-anchor=\"\(anchor)\">\(escaped)</text>\n"
    }

    private static func weekday(_ date: LocalDate) -> String {
        ["Th", "Fr", "Sa", "Su", "Mo", "Tu", "We"][((date.daysSinceEpoch % 7) + 7) % 7]
    }

    private static func fmt(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}
