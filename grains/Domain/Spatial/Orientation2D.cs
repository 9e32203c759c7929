using System.Numerics;

namespace GridServer.Domain.Spatial;

/// <summary>
/// The sign of the orientation determinant of three points, computed exactly: a floating-point
/// evaluation with a proven error bound decides almost every case; the rest (points within a few
/// ulps of the line) are decided in exact integer arithmetic.
/// </summary>
public static class Orientation2D
{
    // Error bound of the floating-point determinant: (3 + 16ε)ε with ε = 2^-53 (Shewchuk, 1997).
    private const double ErrorBound = 3.3306690738754716e-16;

    /// <summary>+1 when c lies left of the directed line a→b (counter-clockwise), -1 right, 0 on it.</summary>
    public static int Sign(double ax, double ay, double bx, double by, double cx, double cy)
    {
        var left = (ax - cx) * (by - cy);
        var right = (ay - cy) * (bx - cx);
        var det = left - right;
        double sum;
        if (left > 0)
        {
            if (right <= 0) return Math.Sign(det);
            sum = left + right;
        }
        else if (left < 0)
        {
            if (right >= 0) return Math.Sign(det);
            sum = -left - right;
        }
        else
        {
            return Math.Sign(det);
        }
        var bound = ErrorBound * sum;
        if (det >= bound || -det >= bound) return Math.Sign(det);
        return ExactSign(ax, ay, bx, by, cx, cy);
    }

    /// <summary>Exact sign: every double is m·2^e, so scaling all six by the smallest 2^e gives integers.</summary>
    internal static int ExactSign(double ax, double ay, double bx, double by, double cx, double cy)
    {
        Span<double> values = [ax, ay, bx, by, cx, cy];
        var minExp = int.MaxValue;
        foreach (var v in values)
        {
            if (v != 0) minExp = Math.Min(minExp, Decompose(v, out _));
        }
        if (minExp == int.MaxValue) return 0;
        var ax_ = Scaled(ax, minExp); var ay_ = Scaled(ay, minExp);
        var bx_ = Scaled(bx, minExp); var by_ = Scaled(by, minExp);
        var cx_ = Scaled(cx, minExp); var cy_ = Scaled(cy, minExp);
        var det = (ax_ - cx_) * (by_ - cy_) - (ay_ - cy_) * (bx_ - cx_);
        return det.Sign;
    }

    private static int Decompose(double v, out long mantissa)
    {
        var bits = BitConverter.DoubleToInt64Bits(v);
        var exponent = (int)((bits >> 52) & 0x7FF);
        mantissa = bits & 0xF_FFFF_FFFF_FFFFL;
        if (exponent == 0) exponent = 1; else mantissa |= 1L << 52;
        if (bits < 0) mantissa = -mantissa;
        return exponent - 1075;
    }

    private static BigInteger Scaled(double v, int minExp)
    {
        if (v == 0) return BigInteger.Zero;
        var e = Decompose(v, out var m);
        return new BigInteger(m) << (e - minExp);
    }
}
