package dev.primus.db.postgres.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.db.postgres.tls.Der.Element;
import dev.primus.db.postgres.tls.Der.MalformedException;
import java.math.BigInteger;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The DER reader on hand-made encodings: the values it must read and the damage it must refuse. */
class DerTest {

  private static byte[] hex(String h) {
    return HexFormat.of().parseHex(h.replace(" ", ""));
  }

  @Test
  void readsASequenceOfIntegersOctetsAndAnOid() throws Exception {
    // SEQUENCE { INTEGER 1, INTEGER -129, OCTET STRING 'ab', [0] { OID 1.2.840.10045.3.1.7 } }
    Element seq = Der.parse(hex("30 17 0201 01 0202 ff7f 0402 6162 a00a 0608 2a8648ce3d030107"));
    List<Element> f = seq.children();
    assertEquals(BigInteger.ONE, f.get(0).integer());
    assertEquals(BigInteger.valueOf(-129), f.get(1).integer(), "two's complement");
    assertEquals("ab", new String(f.get(2).octets(), java.nio.charset.StandardCharsets.US_ASCII));
    assertEquals(Der.CONTEXT_0, f.get(3).tag());
    assertEquals("1.2.840.10045.3.1.7", f.get(3).children().get(0).oid());
  }

  @Test
  void readsLongFormLengths() throws Exception {
    byte[] content = new byte[300];
    byte[] encoded = new byte[4 + content.length];
    encoded[0] = 0x04;
    encoded[1] = (byte) 0x82;
    encoded[2] = 0x01;
    encoded[3] = 0x2c;
    assertEquals(300, Der.parse(encoded).octets().length);
  }

  @Test
  void oidsWithLargeArcsAndTheSecondRoot() throws Exception {
    assertEquals("1.3.101.112", Der.parse(hex("0603 2b6570")).oid(), "Ed25519");
    assertEquals("2.999.3", Der.parse(hex("0603 883703")).oid(), "first octets above 80 belong to root 2");
  }

  @Test
  void refusesWhatIsNotDer() {
    assertMalformed("30 80 0201 01 0000", "indefinite length");
    assertMalformed("30 05 0201 01", "truncated");
    assertMalformed("0201 01 00", "octets after");
    assertMalformed("1f 01 00", "multi-octet tags");
    assertMalformed("06 02 2a 86", "ends inside an arc");
  }

  @Test
  void typeMismatchesAreErrorsNotGuesses() throws Exception {
    Element integer = Der.parse(hex("0201 05"));
    MalformedException e = assertThrows(MalformedException.class, integer::octets);
    assertTrue(e.getMessage().contains("OCTET STRING"), e.getMessage());
    assertThrows(MalformedException.class, integer::children);
  }

  private static void assertMalformed(String encoding, String why) {
    MalformedException e = assertThrows(MalformedException.class, () -> {
      Element el = Der.parse(hex(encoding));
      if (el.tag() == Der.OBJECT_IDENTIFIER) {
        el.oid();
      }
    });
    assertTrue(e.getMessage().contains(why), encoding + ": " + e.getMessage());
  }
}
