using GridServer.Domain.Access;
using GridServer.Domain.Geo;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace GridServer.Silo.Console;

/// <summary>The console as /api/me gives it: the pages the caller's role is shown, and the basemap.</summary>
public sealed record ConsoleInfo(IReadOnlyList<string> Views, BasemapInfo? Basemap);

/// <summary>The basemap's tile URLs, credit line, highest zoom and coordinate system (wgs84 or gcj02).</summary>
public sealed record BasemapInfo(IReadOnlyList<string> Tiles, string? Attribution, int MaxZoom, string Crs);

/// <summary>
/// Serves the web console (built into <c>console/</c> beside the server) at <c>/console/</c>, and puts security headers
/// on every answer: a Content-Security-Policy that allows no inline script and no outside host but a configured basemap.
/// </summary>
public static partial class ConsoleHosting
{
    public const string Path = "/console";

    public static ConsoleInfo Info(Role role, BasemapOptions basemap)
    {
        BasemapInfo? map = null;
        if (basemap.Configured)
        {
            var subdomains = (basemap.Subdomains ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var tiles = subdomains.Length == 0 ? [basemap.Url!] : subdomains.Select(s => basemap.Url!.Replace("{s}", s, StringComparison.Ordinal)).ToArray();
            map = new BasemapInfo(tiles, basemap.Attribution, basemap.MaxZoom, basemap.MapCrs.ToSpec());
        }
        return new ConsoleInfo(ConsoleViews.For(role), map);
    }

    /// <summary>Security headers on every answer; the console's files, and / sent to the console.</summary>
    public static WebApplication UseConsole(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<ConsoleOptions>>().Value;
        var outside = string.Join("", options.Basemap.Origins().Select(o => " " + o));
        var consolePolicy = "default-src 'self'; script-src 'self'; style-src 'self'; worker-src 'self'; "
            + $"img-src 'self' data: blob:{outside}; connect-src 'self'{outside}; font-src 'self'; "
            + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
        const string apiPolicy = "default-src 'none'; frame-ancestors 'none'";
        // Orleans' dashboard (operators, when enabled): its own scripts, styles, fonts and figures, from this server only;
        // it sets styles inline (never scripts).
        const string dashboardPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
            + "font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(self)";
            headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments(Path) ? consolePolicy
                : context.Request.Path.StartsWithSegments(GridServer.Silo.Hosting.DashboardHosting.Path) ? dashboardPolicy : apiPolicy;
            return next(context);
        });
        if (!options.Enabled) return app;
        var folder = System.IO.Path.Combine(AppContext.BaseDirectory, "console");
        if (!Directory.Exists(folder))
        {
            LogMissing(app.Logger, folder);
            return app;
        }
        // "/console" without its slash: relative URLs in the page need the folder form. (Not a route: routing ignores a
        // trailing slash, so a route for /console would also catch /console/ before the files are served.)
        app.Use((context, next) =>
        {
            if (context.Request.Path.Value == Path) { context.Response.Redirect(Path + "/"); return Task.CompletedTask; }
            return next(context);
        });
        var files = new PhysicalFileProvider(folder);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files, RequestPath = Path });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            RequestPath = Path,
            ContentTypeProvider = ContentTypes(),
            // Names carry no hash: the browser asks again each time and gets 304 while the file is unchanged.
            OnPrepareResponse = c => c.Context.Response.Headers.CacheControl = "no-cache",
        });
        app.MapGet("/", () => Results.Redirect(Path + "/")).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static Microsoft.AspNetCore.StaticFiles.FileExtensionContentTypeProvider ContentTypes()
    {
        var types = new Microsoft.AspNetCore.StaticFiles.FileExtensionContentTypeProvider();
        types.Mappings[".mjs"] = "text/javascript";
        types.Mappings[".map"] = "application/json";
        return types;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The web console is not served: {Folder} is missing (the silo's build makes it; it needs node and npm)")]
    private static partial void LogMissing(ILogger logger, string folder);
}
