package dev.primus.db.postgres.tls;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The few DER (ASN.1 distinguished encoding) elements a private key file is made of: SEQUENCE, INTEGER,
 * OCTET STRING, BIT STRING, OBJECT IDENTIFIER and context-specific tags, each with a definite length.
 * Enough to take PKCS#1 and SEC1 keys apart; the JDK reads PKCS#8 itself.
 */
final class Der {
  static final int INTEGER = 0x02;
  static final int BIT_STRING = 0x03;
  static final int OCTET_STRING = 0x04;
  static final int NULL = 0x05;
  static final int OBJECT_IDENTIFIER = 0x06;
  static final int SEQUENCE = 0x30;
  /** {@code [0]} and {@code [1]} EXPLICIT, as SEC1 tags its curve and public key. */
  static final int CONTEXT_0 = 0xA0;
  static final int CONTEXT_1 = 0xA1;

  /** The input is not the DER this reader expects; the message says where and why. */
  static final class MalformedException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedException(String message) {
      super(message);
    }
  }

  /** One element: its tag and its content octets. */
  record Element(int tag, byte[] content) {
    Element {
      content = content.clone();
    }

    @Override
    public byte[] content() {
      return content.clone();
    }

    /** The elements of a SEQUENCE (or of an explicitly tagged element), in order. */
    List<Element> children() throws MalformedException {
      if (tag != SEQUENCE && (tag & 0xE0) != 0xA0) {
        throw new MalformedException("expected a SEQUENCE, found tag 0x" + Integer.toHexString(tag));
      }
      List<Element> out = new ArrayList<>();
      int[] pos = {0};
      while (pos[0] < content.length) {
        out.add(next(content, pos));
      }
      return out;
    }

    /** An INTEGER's value (two's complement, as DER writes it). */
    BigInteger integer() throws MalformedException {
      expect(INTEGER, "INTEGER");
      if (content.length == 0) {
        throw new MalformedException("an INTEGER without content");
      }
      return new BigInteger(content);
    }

    /** The octets of an OCTET STRING. */
    byte[] octets() throws MalformedException {
      expect(OCTET_STRING, "OCTET STRING");
      return content();
    }

    /** An OBJECT IDENTIFIER in dotted form, such as {@code 1.2.840.10045.3.1.7}. */
    String oid() throws MalformedException {
      expect(OBJECT_IDENTIFIER, "OBJECT IDENTIFIER");
      if (content.length == 0) {
        throw new MalformedException("an empty OBJECT IDENTIFIER");
      }
      StringBuilder s = new StringBuilder();
      long value = 0;
      boolean first = true;
      for (int i = 0; i < content.length; i++) {
        int b = content[i] & 0xFF;
        if (value > (Long.MAX_VALUE >> 7)) {
          throw new MalformedException("an OBJECT IDENTIFIER arc too large");
        }
        value = (value << 7) | (b & 0x7F);
        if ((b & 0x80) == 0) {
          if (first) {
            // The first octets hold two arcs: 40 * first + second, the first being 0, 1 or 2.
            long firstArc = Math.min(2, value / 40);
            s.append(firstArc).append('.').append(value - 40 * firstArc);
            first = false;
          } else {
            s.append('.').append(value);
          }
          value = 0;
        } else if (i == content.length - 1) {
          throw new MalformedException("an OBJECT IDENTIFIER that ends inside an arc");
        }
      }
      return s.toString();
    }

    private void expect(int wanted, String name) throws MalformedException {
      if (tag != wanted) {
        throw new MalformedException("expected " + name + ", found tag 0x" + Integer.toHexString(tag));
      }
    }
  }

  private Der() {}

  /** Reads {@code encoded} as exactly one element; trailing octets are an error. */
  static Element parse(byte[] encoded) throws MalformedException {
    int[] pos = {0};
    Element e = next(encoded, pos);
    if (pos[0] != encoded.length) {
      throw new MalformedException((encoded.length - pos[0]) + " octets after the end of the outer element");
    }
    return e;
  }

  private static Element next(byte[] in, int[] pos) throws MalformedException {
    if (pos[0] + 2 > in.length) {
      throw new MalformedException("truncated: no room for a tag and a length at offset " + pos[0]);
    }
    int tag = in[pos[0]++] & 0xFF;
    if ((tag & 0x1F) == 0x1F) {
      throw new MalformedException("multi-octet tags do not occur in key files (offset " + (pos[0] - 1) + ")");
    }
    int first = in[pos[0]++] & 0xFF;
    int length;
    if (first < 0x80) {
      length = first;
    } else {
      int octets = first & 0x7F;
      if (octets == 0) {
        throw new MalformedException("an indefinite length, which DER forbids");
      }
      if (octets > 3 || pos[0] + octets > in.length) {
        throw new MalformedException("a length of " + octets + " octets at offset " + pos[0]);
      }
      length = 0;
      for (int i = 0; i < octets; i++) {
        length = (length << 8) | (in[pos[0]++] & 0xFF);
      }
    }
    if (length > in.length - pos[0]) {
      throw new MalformedException("truncated: an element of " + length + " octets with " + (in.length - pos[0]) + " left");
    }
    byte[] content = Arrays.copyOfRange(in, pos[0], pos[0] + length);
    pos[0] += length;
    return new Element(tag, content);
  }
}
