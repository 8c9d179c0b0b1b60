using System.Globalization;
using ScottPlot;

namespace Continuum.Cli.Commands.Demo;

/// <summary>The report's picture: per run, its accuracy matrix as a heatmap beside each arrival's accuracy curve.</summary>
public static class DemoCharts
{
    public static void SavePng(DemoReport report, string path)
    {
        var tasks = Enumerable.Range(1, report.Tasks.Count)
            .Select(t => t.ToString(CultureInfo.InvariantCulture)).ToArray();
        var plots = report.Runs.SelectMany(run => new[] { Heatmap(run, tasks), Curves(run, report.Tasks) }).ToList();
        // A multiplot starts with the plot it is given; the rest follow in reading order.
        var figure = new Multiplot(plots[0]);
        foreach (var plot in plots.Skip(1))
        {
            figure.AddPlot(plot);
        }

        figure.Layout = new ScottPlot.MultiplotLayouts.Grid(report.Runs.Count, 2);

        figure.SavePng(path, 1200, 420 * report.Runs.Count);
    }

    private static Plot Heatmap(RunReport run, string[] tasks)
    {
        var rows = run.AccuracyMatrix.Count;
        var cells = new double[Math.Max(rows, 1), tasks.Length];
        for (var i = 0; i < cells.GetLength(0); i++)
        {
            for (var j = 0; j < tasks.Length; j++)
            {
                cells[i, j] = i < rows && j < run.AccuracyMatrix[i].Count ? run.AccuracyMatrix[i][j] : double.NaN;
            }
        }

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(cells);
        heatmap.ManualRange = new ScottPlot.Range(0, 1);
        plot.Add.ColorBar(heatmap);
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < run.AccuracyMatrix[i].Count; j++)
            {
                // Row 0 is drawn at the top.
                var label = plot.Add.Text(run.AccuracyMatrix[i][j].ToString("0.00", CultureInfo.InvariantCulture), j,
                    cells.GetLength(0) - 1 - i);
                label.LabelAlignment = Alignment.MiddleCenter;
                label.LabelFontColor = run.AccuracyMatrix[i][j] > 0.6 ? Colors.Black : Colors.White;
            }
        }

        plot.Title($"{run.Strategy}: accuracy matrix (average {run.AverageAccuracy:0.00})");
        plot.XLabel("test split of arrival");
        plot.YLabel("after arrival");
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, tasks.Length).Select(j => (double)j)], tasks);
        plot.Axes.Left.SetTicks([.. Enumerable.Range(0, cells.GetLength(0)).Select(i => (double)i)],
            [.. Enumerable.Range(0, cells.GetLength(0)).Select(i => tasks[cells.GetLength(0) - 1 - i])]);
        return plot;
    }

    private static Plot Curves(RunReport run, IReadOnlyList<string> titles)
    {
        var plot = new Plot();
        for (var j = 0; j < titles.Count; j++)
        {
            var points = Enumerable.Range(0, run.AccuracyMatrix.Count).Where(i => run.AccuracyMatrix[i].Count > j)
                .Select(i => (X: i + 1.0, Y: run.AccuracyMatrix[i][j])).ToList();
            if (points.Count == 0)
            {
                continue;
            }

            var line = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray());
            line.LegendText = $"{j + 1}. {titles[j]}";
            line.LineWidth = 2;
            line.MarkerSize = 7;
        }

        plot.Title($"{run.Strategy}: accuracy on each arrival as more arrive");
        plot.XLabel("after arrival");
        plot.YLabel("test accuracy");
        plot.Axes.SetLimits(0.8, titles.Count + 0.2, 0, 1.02);
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(1, titles.Count).Select(i => (double)i)],
            [.. Enumerable.Range(1, titles.Count).Select(i => i.ToString(CultureInfo.InvariantCulture))]);
        plot.ShowLegend(Edge.Right);
        return plot;
    }
}
