package example;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/** The example application: the JVM it runs on, and two computed values. */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    System.out.println("Hello from " + Main.class.getName() + " in " + jarName());
    System.out.println(
        "java.version="
            + System.getProperty("java.version")
            + " feature="
            + Runtime.version().feature()
            + " vm="
            + System.getProperty("java.vm.name")
            + " os.arch="
            + System.getProperty("os.arch"));
    BigInteger factorial = BigInteger.ONE;
    for (int i = 2; i <= 30; i++) {
      factorial = factorial.multiply(BigInteger.valueOf(i));
    }
    System.out.println("30! = " + factorial);
    byte[] digest =
        MessageDigest.getInstance("SHA-256").digest("distroless".getBytes(StandardCharsets.UTF_8));
    System.out.println("sha256(distroless) = " + HexFormat.of().formatHex(digest));
  }

  private static String jarName() {
    return Main.class.getProtectionDomain().getCodeSource().getLocation().getPath();
  }
}
