namespace Continuum.Ml.Continual;

/// <summary>
/// The continual-learning scorecard: R[i][j] is the accuracy on task j's test split after learning task i
/// (rows may be shorter than the task count: row i covers tasks 0 to i). The summary figures follow the usual
/// definitions (Lopez-Paz and Ranzato 2017; Chaudhry et al. 2018), over the last row.
/// </summary>
public sealed class AccuracyMatrix
{
    private readonly List<double[]> _rows = [];

    public AccuracyMatrix(IEnumerable<IReadOnlyList<double>> rows)
    {
        foreach (var row in rows)
        {
            Add(row);
        }
    }

    public IReadOnlyList<IReadOnlyList<double>> Rows => _rows;

    /// <summary>Tasks covered by the last row.</summary>
    public int TaskCount => _rows.Count == 0 ? 0 : _rows[^1].Length;

    /// <summary>Appends the row after learning one more task; it must cover at least the tasks of the last.</summary>
    public void Add(IReadOnlyList<double> row)
    {
        if (row.Count == 0 || row.Count < TaskCount)
        {
            throw new ArgumentException(
                $"A row covers every task seen so far: {TaskCount} at least, got {row.Count}.", nameof(row));
        }

        if (row.Any(a => a is < 0 or > 1 || double.IsNaN(a)))
        {
            throw new ArgumentException("Accuracies lie in [0, 1].", nameof(row));
        }

        _rows.Add([.. row]);
    }

    /// <summary>Mean accuracy of the last row over every task.</summary>
    public double AverageAccuracy => _rows.Count == 0 ? 0 : _rows[^1].Average();

    /// <summary>
    /// Per task: the best accuracy any earlier row had on it minus the final one; 0 for the last task and for a
    /// task no earlier row measured.
    /// </summary>
    public IReadOnlyList<double> TaskForgetting
    {
        get
        {
            if (_rows.Count == 0)
            {
                return [];
            }

            var last = _rows[^1];
            var forgetting = new double[last.Length];
            for (var j = 0; j < last.Length - 1; j++)
            {
                var earlier = _rows.Take(_rows.Count - 1).Where(r => r.Length > j).Select(r => r[j]).ToList();
                forgetting[j] = earlier.Count == 0 ? 0 : earlier.Max() - last[j];
            }

            return forgetting;
        }
    }

    /// <summary>Mean forgetting over every task but the last.</summary>
    public double Forgetting => TaskCount < 2 ? 0 : TaskForgetting.Take(TaskCount - 1).Average();

    /// <summary>
    /// Mean over earlier tasks of the final accuracy minus the accuracy just after the task was learned (the
    /// row whose last column is that task); tasks without such a row are left out.
    /// </summary>
    public double BackwardTransfer
    {
        get
        {
            if (_rows.Count < 2)
            {
                return 0;
            }

            var last = _rows[^1];
            var differences = new List<double>();
            for (var j = 0; j < last.Length - 1; j++)
            {
                var learned = _rows.Take(_rows.Count - 1).FirstOrDefault(r => r.Length == j + 1);
                if (learned is not null)
                {
                    differences.Add(last[j] - learned[j]);
                }
            }

            return differences.Count == 0 ? 0 : differences.Average();
        }
    }
}
