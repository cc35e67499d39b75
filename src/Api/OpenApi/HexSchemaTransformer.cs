using GicService.Api.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace GicService.Api.OpenApi;

/// <summary>Describes <see cref="Hex"/> as what it is on the wire: a "0x..." string (a JSON number is accepted on input too).</summary>
public sealed class HexSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (type == typeof(Hex) || type == typeof(Hex?))
        {
            schema.Type = type == typeof(Hex?) ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
            schema.Pattern = "^0x[0-9a-fA-F]+$";
            schema.Description = "A hex string \"0x...\" (input also accepts a non-negative JSON integer).";
            schema.Properties?.Clear();
            schema.Required?.Clear();
        }

        return Task.CompletedTask;
    }
}
