using System.Security.Cryptography;
using SynapsePS.Files;

namespace SynapsePS.Core.Tests.Unit;

/// <summary>The MD5 of a growing prefix: resent bytes are skipped, a gap is a bug (no server needed).</summary>
public sealed class FileDigestTests
{
    private static readonly byte[] Data = Enumerable.Range(0, 10_000).Select(i => (byte)(i * 31)).ToArray();

    private static string Md5(byte[] bytes) => Convert.ToHexString(MD5.HashData(bytes)).ToLowerInvariant();

    [Fact]
    public void Blocks_in_order_give_the_md5_of_the_whole()
    {
        using var digest = new FileDigest("x");
        for (var offset = 0; offset < Data.Length; offset += 3000)
            digest.Append(offset, Data[offset..Math.Min(Data.Length, offset + 3000)], Math.Min(3000, Data.Length - offset));

        Assert.Equal(Data.Length, digest.Length);
        Assert.Equal(Md5(Data), digest.Finish());
    }

    [Fact]
    public void Resent_and_overlapping_blocks_are_hashed_once()
    {
        using var digest = new FileDigest("x");
        digest.Append(0, Data[..4000], 4000);
        digest.Append(0, Data[..4000], 4000);       // the same chunk again (a retry)
        digest.Append(2000, Data[2000..7000], 5000); // overlaps the hashed prefix
        digest.Append(7000, Data[7000..], Data.Length - 7000);

        Assert.Equal(Md5(Data), digest.Finish());
    }

    [Fact]
    public void A_gap_is_refused()
    {
        using var digest = new FileDigest("x");
        digest.Append(0, Data[..100], 100);
        Assert.Throws<InvalidOperationException>(() => digest.Append(101, Data[101..200], 99));
        Assert.Equal(100, digest.Length);
    }
}
