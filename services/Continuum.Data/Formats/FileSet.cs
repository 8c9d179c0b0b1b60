using Continuum.Data.Content;
using Continuum.Data.V1;

namespace Continuum.Data.Formats;

/// <summary>The files of one split: an inputs and a labels file for IDX, one table for CSV and JSON lines.</summary>
internal sealed record SplitFiles(Split Split, UploadedFile? Inputs, UploadedFile? Labels, UploadedFile? Table);

/// <summary>Checks that the uploaded files fit the format (roles, one of each per split, train present).</summary>
internal static class FileSet
{
    private static readonly Split[] Order = [Split.Train, Split.Test, Split.Validation];

    public static IReadOnlyList<SplitFiles> Group(DataFormat format, IReadOnlyList<UploadedFile> files)
    {
        FileRole[] roles = format switch
        {
            DataFormat.Idx => [FileRole.IdxInputs, FileRole.IdxLabels],
            DataFormat.Csv or DataFormat.Jsonl => [FileRole.Table],
            _ => throw new DataValidationException("format", "must be IDX, CSV or JSON lines."),
        };
        var byKey = new Dictionary<(Split, FileRole), UploadedFile>();
        foreach (var file in files)
        {
            if (!Order.Contains(file.Split))
            {
                throw Invalid.File(file, "has no split; it must be train, test or validation.");
            }

            if (!roles.Contains(file.Role))
            {
                throw Invalid.File(file, $"has the role {Invalid.Name(file.Role)}; {Invalid.Name(format)} files are "
                    + $"{string.Join(" or ", roles.Select(Invalid.Name))} files.");
            }

            if (!byKey.TryAdd((file.Split, file.Role), file))
            {
                var first = byKey[(file.Split, file.Role)];
                throw Invalid.File(file, $"is a second {Invalid.Name(file.Role)} file "
                    + $"for the {Invalid.Name(file.Split)} "
                    + $"split ({first.FileName} is the first); each split has one.");
            }
        }

        if (!byKey.Keys.Any(k => k.Item1 == Split.Train))
        {
            throw Invalid.Files("no file belongs to the train split; it is required (test and validation are not).");
        }

        var result = new List<SplitFiles>();
        foreach (var split in Order.Where(s => byKey.Keys.Any(k => k.Item1 == s)))
        {
            var present = roles.Select(r => byKey.GetValueOrDefault((split, r))).ToArray();
            if (present.FirstOrDefault(f => f is not null) is { } some && present.Any(f => f is null))
            {
                var missing = roles.First(r => !byKey.ContainsKey((split, r)));
                throw Invalid.Files(
                    $"the {Invalid.Name(split)} split has {some.FileName} but no {Invalid.Name(missing)} file.");
            }

            result.Add(new SplitFiles(split, byKey.GetValueOrDefault((split, FileRole.IdxInputs)),
                byKey.GetValueOrDefault((split, FileRole.IdxLabels)),
                byKey.GetValueOrDefault((split, FileRole.Table))));
        }

        return result;
    }
}
