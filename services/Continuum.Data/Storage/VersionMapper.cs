using Continuum.Data.V1;
using Google.Protobuf;

namespace Continuum.Data.Storage;

public static class VersionMapper
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public static DatasetVersion ToProto(VersionRow row) => Parser.Parse<DatasetVersion>(row.VersionJson);
}
